/*
 * hynet's packet I/O: a paced AF_PACKET sender and a TPACKET_V3 capture,
 * each on its own thread, so that frame rates up to a million per second
 * never touch the JavaScript event loop.
 */
#ifndef HYNET_PACKETIO_H
#define HYNET_PACKETIO_H

#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>
#include <pthread.h>

/* Error kinds the TypeScript wrapper maps to HynetError subclasses. */
typedef enum { PIO_OK = 0, PIO_NEED_ROOT, PIO_UNKNOWN_NETNS, PIO_UNKNOWN_IFACE, PIO_IFACE_DOWN, PIO_SYS } pio_err_kind;

typedef struct {
  pio_err_kind kind;
  char msg[256];
} pio_err;

void pio_seterr(pio_err *e, pio_err_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Open an AF_PACKET socket inside network namespace `netns` ("" = the
 * current one) and bind it to `iface`. The calling thread enters the
 * namespace only for the socket() and bind() calls and returns to its own:
 * a socket stays in the namespace it was created in.
 */
int pio_open_packet(const char *netns, const char *iface, int protocol, int *ifindex, pio_err *err);
/* Move the calling thread into `netns` (a name under /run/netns or a path); returns the descriptor pio_leave_ns takes back, or -1. */
int pio_enter_ns(const char *netns, pio_err *err);
void pio_leave_ns(int self);
/* Write `value` to the sysctl file `file` (a `*` component: every match) in the calling thread's namespace; `where` and `key` name it in errors. */
int pio_write_sysctl(const char *where, const char *key, const char *file, const char *value, pio_err *err);

static inline uint64_t pio_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static inline uint64_t pio_real_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Gap histogram: 1 ns buckets below FINE_NS, 1 us buckets up to COARSE_NS. */
#define GAP_FINE_NS 100000u
#define GAP_COARSE_US 1000000u
typedef struct {
  uint32_t *fine;   /* GAP_FINE_NS buckets */
  uint32_t *coarse; /* GAP_COARSE_US buckets, index = gap / 1000 */
  uint64_t n;
  double mean, m2;  /* Welford */
  uint64_t min, max;
} gap_hist;

int gap_hist_init(gap_hist *h);
void gap_hist_free(gap_hist *h);
static inline void gap_hist_add(gap_hist *h, uint64_t g) {
  if (g < GAP_FINE_NS) h->fine[g]++;
  else h->coarse[g / 1000 < GAP_COARSE_US ? g / 1000 : GAP_COARSE_US - 1]++;
  h->n++;
  double d = (double)g - h->mean;
  h->mean += d / (double)h->n;
  h->m2 += d * ((double)g - h->mean);
  if (g < h->min) h->min = g;
  if (g > h->max) h->max = g;
}
/* Nearest-rank percentile (q in 0..1) in ns. */
double gap_hist_pct(const gap_hist *h, double q);

/* ---- sender ---- */
typedef struct {
  /* inputs */
  int fd;
  uint8_t *frame; /* template, frame_len bytes */
  uint32_t frame_len;
  uint32_t flows;
  uint32_t src_ip_base;
  uint64_t count;       /* 0 = until duration or cancel */
  uint64_t duration_ns; /* 0 = until count or cancel */
  double rate;          /* frames per second */
  uint32_t burst;
  uint32_t start_id;
  int realtime; /* run the thread SCHED_FIFO: no preemption by ordinary tasks */
  /* outputs */
  int realtime_ok;
  uint64_t sent;
  uint64_t first_ns, last_ns;
  uint64_t last_burst_ns;     /* departure of the first frame of the last burst */
  uint64_t last_burst_frames; /* frames in the last burst */
  uint64_t late_bursts; /* bursts that started more than one period late */
  gap_hist gaps;
  int err_no;
  char err_where[64];
  /* control */
  atomic_int cancel;
} pio_send_job;

void pio_send_run(pio_send_job *j);

/* ---- capture ---- */
typedef struct {
  uint64_t ts_ns;
  uint64_t frames, bytes, drops;
} pio_sample;

typedef struct {
  /* inputs */
  int fd;
  char path[4096];     /* final pcap path */
  char tmp_path[4200]; /* written here, renamed on success */
  uint32_t snaplen;
  uint64_t deadline_mono_ns; /* 0 = until stopped */
  /* Frames stamped after this wall-clock instant are not written (0 = no cut yet), so that both taps of a
     session cover the same window even when one thread notices the stop later than the other. */
  _Atomic uint64_t cutoff_real_ns;
  void *ring;
  size_t ring_len;
  uint32_t block_size, block_nr;
  int hw_enabled;
  int realtime; /* run the capture thread SCHED_FIFO */
  /* outputs */
  int realtime_ok;
  uint64_t frames, bytes, drops, freezes, hw_frames, after_stop;
  pio_sample *samples;
  size_t nsamples, capsamples;
  int err_no;
  char err_where[64];
  /* control */
  atomic_int stop;
} pio_capture_job;

int pio_capture_open(pio_capture_job *j, const char *netns, const char *iface, pio_err *err);
void pio_capture_run(pio_capture_job *j);
void pio_capture_close(pio_capture_job *j);

/* madvise(MADV_HUGEPAGE) on the 2 MiB-aligned interior of [data, data + bytes); returns the bytes advised (advice, never an error). In addon.c. */
size_t pio_advise_huge(void *data, size_t bytes);

#endif
