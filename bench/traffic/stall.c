/*
 * The machine's floor for gap accuracy: a bare loop that only reads the
 * monotonic clock, for S seconds (argv[1], default 2). Every time two reads
 * are more than 1 µs apart the CPU was taken from the loop (an interrupt, a
 * hypervisor exit, another task); no sender in user space can pace frames
 * more evenly than this loop is allowed to run. Prints one line:
 *   stalls_per_s=<n> long_stalls_per_s=<n> stalled_fraction=<f> p99_stall_ns=<ns> max_stall_ns=<ns>
 * where a long stall is one over 10 µs: longer than a gap at 100 kpps, so it
 * holds a departure time, and that frame leaves late.
 * Written in C because the loop must not be interrupted by a garbage collector.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 2.0;
  size_t cap = 1 << 20, n = 0;
  uint64_t *stall = malloc(cap * sizeof *stall), stalled = 0, longs = 0;
  if (!stall) return 1;
  uint64_t t0 = now(), prev = t0, end = t0 + (uint64_t)(secs * 1e9);
  for (;;) {
    uint64_t t = now();
    if (t - prev > 1000 && n < cap) {
      stall[n++] = t - prev;
      stalled += t - prev;
      if (t - prev > 10000) longs++;
    }
    prev = t;
    if (t >= end) break;
  }
  qsort(stall, n, sizeof *stall, cmp);
  double span = (double)(prev - t0);
  printf("stalls_per_s=%.0f long_stalls_per_s=%.0f stalled_fraction=%.5f p99_stall_ns=%llu max_stall_ns=%llu\n", n / (span / 1e9), longs / (span / 1e9), stalled / span,
         (unsigned long long)(n ? stall[(size_t)(0.99 * (double)(n - 1))] : 0), (unsigned long long)(n ? stall[n - 1] : 0));
  return 0;
}
