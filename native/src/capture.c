/*
 * One capture tap: a TPACKET_V3 receive ring on an AF_PACKET socket,
 * nanosecond timestamps from the kernel (hardware ones when the NIC stamps
 * frames), frames written straight into a nanosecond pcap with large
 * buffered writes. The file is written under a temporary name and renamed
 * only when the capture ends cleanly.
 */
#include "packetio.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define BLOCK_SIZE (1u << 20)
#define BLOCK_NR 128u
/*
 * A block is handed to us at the latest this long after its first frame. At
 * low rates every block retires holding only this much traffic, so the ring
 * buffers BLOCK_NR times it: 16 ms gives 2 s for a capture thread that loses
 * its CPU (4 ms gave 0.5 s, and a busy test machine dropped frames).
 */
#define BLOCK_TIMEOUT_MS 16u
#define WRITE_BUF (4u << 20)

static void sys_fail(pio_err *err, const char *what) {
  if (errno == EPERM || errno == EACCES) pio_seterr(err, PIO_NEED_ROOT, "%s: %s", what, strerror(errno));
  else pio_seterr(err, PIO_SYS, "%s: %s", what, strerror(errno));
}

/* Ask the NIC to stamp every received frame; veth and most virtual devices say no, and that is fine. */
static int try_enable_hw(int fd, const char *iface) {
  struct hwtstamp_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.tx_type = HWTSTAMP_TX_OFF;
  cfg.rx_filter = HWTSTAMP_FILTER_ALL;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface);
  ifr.ifr_data = (char *)&cfg;
  if (ioctl(fd, SIOCSHWTSTAMP, &ifr) < 0) return 0;
  return cfg.rx_filter != HWTSTAMP_FILTER_NONE;
}

int pio_capture_open(pio_capture_job *j, const char *netns, const char *iface, pio_err *err) {
  int ifindex = 0;
  int fd = pio_open_packet(netns, iface, ETH_P_ALL, &ifindex, err);
  if (fd < 0) return -1;
  j->fd = fd;
  /* The kernel copies at most snaplen bytes per frame: a one-instruction filter that returns snaplen. */
  struct sock_filter code[1] = {{BPF_RET | BPF_K, 0, 0, j->snaplen}};
  struct sock_fprog prog = {1, code};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) {
    sys_fail(err, "SO_ATTACH_FILTER");
    goto fail;
  }
  int v = TPACKET_V3;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v) < 0) {
    sys_fail(err, "PACKET_VERSION");
    goto fail;
  }
  j->hw_enabled = try_enable_hw(fd, iface);
  int ts = SOF_TIMESTAMPING_RAW_HARDWARE;
  /* Best effort: without hardware stamps the ring carries software nanosecond stamps. */
  setsockopt(fd, SOL_PACKET, PACKET_TIMESTAMP, &ts, sizeof ts);
  struct tpacket_req3 req;
  memset(&req, 0, sizeof req);
  req.tp_block_size = BLOCK_SIZE;
  req.tp_block_nr = BLOCK_NR;
  req.tp_frame_size = 2048;
  req.tp_frame_nr = (BLOCK_SIZE / 2048) * BLOCK_NR;
  req.tp_retire_blk_tov = BLOCK_TIMEOUT_MS;
  if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
    sys_fail(err, "PACKET_RX_RING");
    goto fail;
  }
  j->block_size = BLOCK_SIZE;
  j->block_nr = BLOCK_NR;
  j->ring_len = (size_t)BLOCK_SIZE * BLOCK_NR;
  j->ring = mmap(NULL, j->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
  if (j->ring == MAP_FAILED) j->ring = mmap(NULL, j->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (j->ring == MAP_FAILED) {
    j->ring = NULL;
    sys_fail(err, "mmap of the capture ring");
    goto fail;
  }
  /* Start counting drops from here: reading the statistics resets them. */
  struct tpacket_stats_v3 st;
  socklen_t sl = sizeof st;
  getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
  return 0;
fail:
  close(fd);
  j->fd = -1;
  return -1;
}

static void add_sample(pio_capture_job *j) {
  if (j->nsamples == j->capsamples) {
    size_t cap = j->capsamples ? j->capsamples * 2 : 256;
    pio_sample *s = realloc(j->samples, cap * sizeof *s);
    if (!s) return;
    j->samples = s;
    j->capsamples = cap;
  }
  pio_sample *s = &j->samples[j->nsamples++];
  s->ts_ns = pio_real_ns();
  s->frames = j->frames;
  s->bytes = j->bytes;
  s->drops = j->drops;
}

static void read_stats(pio_capture_job *j) {
  struct tpacket_stats_v3 st;
  socklen_t sl = sizeof st;
  if (getsockopt(j->fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0) {
    j->drops += st.tp_drops;
    j->freezes += st.tp_freeze_q_cnt;
  }
}

/* pcap records of one ring block are gathered here and written with one call. */
typedef struct {
  uint8_t *buf;
  size_t len, cap;
} outbuf;

static int flush_out(outbuf *o, FILE *out) {
  if (o->len && fwrite(o->buf, o->len, 1, out) != 1) return -1;
  o->len = 0;
  return 0;
}

static int write_block(pio_capture_job *j, FILE *out, outbuf *o, struct tpacket_block_desc *bd) {
  uint32_t n = bd->hdr.bh1.num_pkts;
  struct tpacket3_hdr *h = (struct tpacket3_hdr *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
  uint64_t cutoff = atomic_load_explicit(&j->cutoff_real_ns, memory_order_relaxed);
  for (uint32_t i = 0; i < n; i++, h = (struct tpacket3_hdr *)((uint8_t *)h + h->tp_next_offset)) {
    if (cutoff && (uint64_t)h->tp_sec * 1000000000ull + h->tp_nsec > cutoff) {
      j->after_stop++;
      continue;
    }
    uint32_t cap = h->tp_snaplen < j->snaplen ? h->tp_snaplen : j->snaplen;
    if (o->len + 16 + cap > o->cap && flush_out(o, out) < 0) return -1;
    uint32_t rec[4] = {h->tp_sec, h->tp_nsec, cap, h->tp_len};
    memcpy(o->buf + o->len, rec, sizeof rec);
    memcpy(o->buf + o->len + 16, (uint8_t *)h + h->tp_mac, cap);
    o->len += 16 + cap;
    if (h->tp_status & TP_STATUS_TS_RAW_HARDWARE) j->hw_frames++;
    j->frames++;
    j->bytes += h->tp_len;
  }
  return 0;
}

void pio_capture_run(pio_capture_job *j) {
  FILE *out = fopen(j->tmp_path, "wb");
  if (!out) {
    j->err_no = errno;
    snprintf(j->err_where, sizeof j->err_where, "open");
    return;
  }
  if (j->realtime) {
    /* Real-time priority: a busy machine must not starve the ring into dropping frames. */
    struct sched_param sp = {.sched_priority = 1};
    j->realtime_ok = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
  }
  /* Our own buffer (snaplen + 16 fits many times); stdio then passes it straight through. */
  outbuf ob = {malloc(WRITE_BUF), 0, WRITE_BUF};
  if (!ob.buf) {
    fclose(out);
    unlink(j->tmp_path);
    j->err_no = ENOMEM;
    snprintf(j->err_where, sizeof j->err_where, "malloc");
    return;
  }
  /* pcap global header, nanosecond magic, Ethernet. */
  uint32_t gh[6] = {0xa1b23c4d, 2 | (4u << 16), 0, 0, j->snaplen, 1};
  int failed = fwrite(gh, sizeof gh, 1, out) != 1;
  uint32_t cur = 0;
  uint64_t next_sample = pio_mono_ns() + 1000000000ull;
  int draining = 0;
  uint64_t drain_until = 0;
  add_sample(j);
  while (!failed) {
    struct tpacket_block_desc *bd = (struct tpacket_block_desc *)((uint8_t *)j->ring + (size_t)cur * j->block_size);
    if (__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) {
      if (write_block(j, out, &ob, bd) < 0) failed = 1;
      __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
      cur = (cur + 1) % j->block_nr;
      continue;
    }
    uint64_t now = pio_mono_ns();
    if (now >= next_sample) {
      read_stats(j);
      add_sample(j);
      next_sample += 1000000000ull;
    }
    if (!draining && (atomic_load(&j->stop) || (j->deadline_mono_ns && now >= j->deadline_mono_ns))) {
      /* The open block is handed over after BLOCK_TIMEOUT_MS: wait for it, then stop. */
      draining = 1;
      drain_until = now + (uint64_t)BLOCK_TIMEOUT_MS * 3 * 1000000ull;
    }
    if (draining && now >= drain_until) break;
    /* Idle: hand what we have to the file so that a long capture does not sit in memory. */
    if (flush_out(&ob, out) < 0) {
      failed = 1;
      break;
    }
    struct pollfd p = {j->fd, POLLIN | POLLERR, 0};
    if (poll(&p, 1, draining ? 1 : 100) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL))) {
      /* POLLERR stays raised until the socket error is read: without this the loop spins at
         real-time priority. A tap whose interface (or namespace) went away ends like a stop,
         keeping what it captured; any other socket error is cleared and waited out. */
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(j->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if ((p.revents & (POLLHUP | POLLNVAL)) || err == ENETDOWN || err == ENODEV || err == ENXIO) {
        if (!draining) {
          draining = 1;
          drain_until = now;
        }
      } else {
        usleep(1000);
      }
    }
  }
  read_stats(j);
  add_sample(j);
  if (!failed && flush_out(&ob, out) < 0) failed = 1;
  free(ob.buf);
  if (failed) {
    j->err_no = errno ? errno : EIO;
    snprintf(j->err_where, sizeof j->err_where, "write");
  }
  if (fclose(out) != 0 && !failed) {
    failed = 1;
    j->err_no = errno;
    snprintf(j->err_where, sizeof j->err_where, "write");
  }
  if (failed) {
    unlink(j->tmp_path);
    return;
  }
  if (rename(j->tmp_path, j->path) < 0) {
    j->err_no = errno;
    snprintf(j->err_where, sizeof j->err_where, "rename");
    unlink(j->tmp_path);
  }
}

void pio_capture_close(pio_capture_job *j) {
  if (j->ring) munmap(j->ring, j->ring_len);
  j->ring = NULL;
  if (j->fd >= 0) close(j->fd);
  j->fd = -1;
  free(j->samples);
  j->samples = NULL;
}
