/*
 * The paced sender (MoonGen's pacing): bursts of `burst` frames back to
 * back, burst k due at t0 + k * burst / rate on the monotonic clock, so
 * the mean rate is exact and errors never accumulate. Waiting sleeps with
 * clock_nanosleep (TIMER_ABSTIME) to just before the deadline and spins
 * only the last stretch, because a sleeping thread wakes late by a few to
 * tens of microseconds. Measured on the wire against a fixed 120 us spin,
 * a spin with sched_yield and shorter, more frequent rests: see
 * docs/traffic.md "Sender timing".
 */
#include "frame.h"
#include "packetio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>

/*
 * The spin window: how long before a deadline the thread stops sleeping.
 * It follows clock_nanosleep's own lateness on this machine (up when a wake
 * comes late, slowly down while they come early), so the thread spins only
 * as long as waking needs and sleeps the rest of each period.
 */
#define SPIN_MIN_NS 4000ull
#define SPIN_MAX_NS 200000ull
#define SPIN_MARGIN_NS 3000ull
/*
 * When deadlines come faster than a wake-up (high rates), the thread would
 * never sleep: SCHED_FIFO would then use up the kernel's real-time budget
 * (sched_rt_runtime_us, 95 % of each second, shared with every other
 * real-time thread on the CPU, such as the capture taps) and be stopped for
 * the rest of the second, a 50 ms hole on the wire. So after `run_max` awake
 * it rests `rest` (a sixth to a fifth of the time); the frames due meanwhile
 * leave in one batch after it. A rest shorter than 10 frame periods is no
 * late gap (docs/evaluate.md), so where periods allow (20 us and more:
 * 50 kpps and below) rests are short and frequent, 0.1 ms per 0.5 ms; where
 * any rest is late, they are long and rare, 0.25 ms per 1 ms, fewer late gaps
 * for the same share. Measured on the wire: docs/traffic.md.
 */
#define SHORT_RUN_NS 500000ull
#define SHORT_REST_NS 100000ull
#define LONG_RUN_NS 1000000ull
#define LONG_REST_NS 250000ull

typedef struct {
  uint64_t spin_ns;     /* current spin window */
  uint64_t awake_since; /* when the thread last woke from a sleep */
  uint64_t run_max;     /* longest stretch awake before a rest */
  uint64_t rest;
} pacer;

static pacer new_pacer(double frame_period_ns) {
  int short_rests = frame_period_ns * 10 >= 2 * SHORT_REST_NS;
  return (pacer){.spin_ns = SPIN_MIN_NS, .awake_since = pio_mono_ns(), .run_max = short_rests ? SHORT_RUN_NS : LONG_RUN_NS, .rest = short_rests ? SHORT_REST_NS : LONG_REST_NS};
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

static uint16_t ip_checksum(const uint8_t *h) {
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += (uint32_t)(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* fillPacket() of src/traffic/packet.ts in C; the offsets come from frame.h, generated from packet.ts. */
static void patch(uint8_t *f, const pio_send_job *j, uint32_t id, uint64_t n) {
  f[HY_OFF_IP_ID] = (uint8_t)(id >> 8);
  f[HY_OFF_IP_ID + 1] = (uint8_t)id;
  uint32_t src = j->src_ip_base + (uint32_t)(n % j->flows);
  f[HY_OFF_IP_SRC] = (uint8_t)(src >> 24);
  f[HY_OFF_IP_SRC + 1] = (uint8_t)(src >> 16);
  f[HY_OFF_IP_SRC + 2] = (uint8_t)(src >> 8);
  f[HY_OFF_IP_SRC + 3] = (uint8_t)src;
  f[HY_OFF_IP_CHECKSUM] = f[HY_OFF_IP_CHECKSUM + 1] = 0;
  uint16_t c = ip_checksum(f + 14);
  f[HY_OFF_IP_CHECKSUM] = (uint8_t)(c >> 8);
  f[HY_OFF_IP_CHECKSUM + 1] = (uint8_t)c;
  uint32_t sp = (uint32_t)(((uint64_t)id + HY_SRC_PORT_SPAN - 1) / HY_SRC_PORT_SPAN) & 0xffff;
  f[HY_OFF_UDP_SRC_PORT] = (uint8_t)(sp >> 8);
  f[HY_OFF_UDP_SRC_PORT + 1] = (uint8_t)sp;
  uint8_t *p = f + HY_OFF_PAYLOAD + HY_PAYLOAD_ID_OFFSET;
  p[0] = (uint8_t)id;
  p[1] = (uint8_t)(id >> 8);
  p[2] = (uint8_t)(id >> 16);
  p[3] = (uint8_t)(id >> 24);
}

static void sleep_abs(uint64_t t) {
  struct timespec s = {(time_t)(t / 1000000000ull), (long)(t % 1000000000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &s, NULL) == EINTR) {
  }
}

/* Sleep until `wake` and learn from how late the wake-up came. */
static uint64_t sleep_until(pacer *p, uint64_t wake) {
  sleep_abs(wake);
  uint64_t now = pio_mono_ns();
  uint64_t want = (now > wake ? now - wake : 0) + SPIN_MARGIN_NS;
  /* Up a quarter of the way to a late wake, down a 64th towards an early one: one vCPU stall
     must not make the thread spin for good (jumping to the worst lateness measured worse on the wire). */
  if (want > SPIN_MAX_NS) want = SPIN_MAX_NS;
  if (want > p->spin_ns) p->spin_ns += (want - p->spin_ns) / 4;
  else p->spin_ns -= (p->spin_ns - want) / 64;
  if (p->spin_ns < SPIN_MIN_NS) p->spin_ns = SPIN_MIN_NS;
  p->awake_since = now;
  return now;
}

/* Returns the time the deadline was met (or 0 when cancelled). */
static uint64_t wait_until(pacer *p, uint64_t deadline, const atomic_int *cancel) {
  uint64_t now = pio_mono_ns();
  /* Rest only when the wait below would not sleep that long anyway (a far deadline sleeps in slices, seeing a cancel). */
  if (now - p->awake_since > p->run_max && deadline < now + p->spin_ns + p->rest) now = sleep_until(p, now + p->rest);
  uint64_t spin = p->spin_ns;
  if (deadline > now + spin) {
    /* Sleep in slices of at most 50 ms so that a cancel is seen promptly. */
    while (now + spin < deadline) {
      if (atomic_load_explicit(cancel, memory_order_relaxed)) return 0;
      uint64_t wake = deadline - spin;
      if (wake > now + 50000000ull) wake = now + 50000000ull;
      now = sleep_until(p, wake);
      spin = p->spin_ns;
    }
  }
  unsigned spins = 0;
  while ((now = pio_mono_ns()) < deadline) {
    if ((++spins & 1023) == 0 && atomic_load_explicit(cancel, memory_order_relaxed)) return 0;
    cpu_relax();
  }
  return atomic_load_explicit(cancel, memory_order_relaxed) ? 0 : now;
}

/*
 * At most this many due frames go out in one sendmmsg(): frames of one
 * burst, or frames that fell behind schedule. One syscall per batch is
 * what lets the sender keep up at high rates on a busy machine.
 */
#define BATCH 64

void pio_send_run(pio_send_job *j) {
  /* A 1 ns timer slack makes clock_nanosleep wake when asked, not up to 50 us later. */
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  if (j->realtime) {
    /* Lowest real-time priority: above every ordinary task, below the kernel's own RT threads; the kernel's RT throttling still leaves 5 % of the core to others. */
    struct sched_param sp = {.sched_priority = 1};
    j->realtime_ok = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
  }
  const uint64_t burst = j->burst; /* ≥ 1: checked by the addon */
  uint8_t *frames = malloc((size_t)j->frame_len * BATCH);
  if (!frames) {
    j->err_no = ENOMEM;
    snprintf(j->err_where, sizeof j->err_where, "malloc");
    return;
  }
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) {
    memcpy(frames + (size_t)i * j->frame_len, j->frame, j->frame_len);
    iov[i].iov_base = frames + (size_t)i * j->frame_len;
    iov[i].iov_len = j->frame_len;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  const double period = (double)burst * 1e9 / j->rate; /* ns per burst */
  /* Start one millisecond from now so the first deadlines are not already late. */
  const uint64_t t0 = pio_mono_ns() + 1000000ull;
  const uint64_t end = j->duration_ns ? t0 + j->duration_ns : UINT64_MAX;
  const uint64_t limit = j->count ? j->count : UINT64_MAX;
#define DUE(n) (t0 + (uint64_t)((double)((n) / burst) * period + 0.5))
  uint64_t prev = 0;
  uint64_t n = 0; /* frames sent */
  pacer pc = new_pacer(1e9 / j->rate);
  while (n < limit) {
    uint64_t due = DUE(n);
    if (due >= end) break;
    uint64_t ta = wait_until(&pc, due, &j->cancel);
    if (!ta) break;
    /* Every frame whose deadline has passed goes in this batch (a burst, or catching up). */
    uint32_t m = 1;
    while (m < BATCH && n + m < limit && DUE(n + m) <= ta && DUE(n + m) < end) m++;
    for (uint32_t i = 0; i < m; i++) patch(frames + (size_t)i * j->frame_len, j, j->start_id + (uint32_t)(n + i), n + i + 1);
    uint32_t done = 0;
    while (done < m) {
      int r = m - done == 1 ? (send(j->fd, iov[done].iov_base, j->frame_len, 0) < 0 ? -1 : 1) : sendmmsg(j->fd, msgs + done, m - done, 0);
      if (r > 0) {
        done += (uint32_t)r;
        continue;
      }
      /* A full socket buffer or device queue clears in microseconds: retry, do not drop. */
      if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
        if (atomic_load_explicit(&j->cancel, memory_order_relaxed)) break;
        cpu_relax();
        continue;
      }
      j->err_no = errno;
      snprintf(j->err_where, sizeof j->err_where, m - done == 1 ? "send" : "sendmmsg");
      break;
    }
    uint64_t tb = pio_mono_ns();
    /* Frames of one call leave one after another between its start and end: spread them evenly. */
    for (uint32_t i = 0; i < done; i++) {
      uint64_t t = ta + (m > 1 ? (tb - ta) * i / m : 0);
      uint64_t k = n + i;
      if (k % burst == 0) {
        j->last_burst_ns = t;
        j->last_burst_frames = 0;
        if (t > DUE(k) + (uint64_t)period) j->late_bursts++;
      }
      j->last_burst_frames++;
      if (k == 0) j->first_ns = t;
      else gap_hist_add(&j->gaps, t - prev);
      prev = t;
    }
    n += done;
    if (done < m) break;
  }
#undef DUE
  j->sent = n;
  j->last_ns = prev;
  free(frames);
}
