/* Entering a network namespace just long enough to open and bind a packet socket, or to write its sysctls. */
#include "packetio.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

void pio_seterr(pio_err *e, pio_err_kind kind, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  e->kind = kind;
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
}

static int open_in_ns(const char *iface, int protocol, int *ifindex, pio_err *err) {
  int fd = socket(AF_PACKET, SOCK_RAW, htons(protocol));
  if (fd < 0) {
    if (errno == EPERM || errno == EACCES)
      pio_seterr(err, PIO_NEED_ROOT, "opening a packet socket needs CAP_NET_RAW");
    else
      pio_seterr(err, PIO_SYS, "socket(AF_PACKET): %s", strerror(errno));
    return -1;
  }
  unsigned idx = if_nametoindex(iface);
  if (idx == 0) {
    pio_seterr(err, PIO_UNKNOWN_IFACE, "no interface named \"%s\"", iface);
    close(fd);
    return -1;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", iface);
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
    pio_seterr(err, PIO_IFACE_DOWN, "interface \"%s\" is down", iface);
    close(fd);
    return -1;
  }
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(protocol);
  sll.sll_ifindex = (int)idx;
  /* A send-only socket (protocol 0) is bound too, so that frames go out of `iface`. */
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    pio_seterr(err, PIO_SYS, "bind to %s: %s", iface, strerror(errno));
    close(fd);
    return -1;
  }
  *ifindex = (int)idx;
  return fd;
}

int pio_enter_ns(const char *netns, pio_err *err) {
  char path[4096];
  if (netns[0] == '/') snprintf(path, sizeof path, "%s", netns);
  else snprintf(path, sizeof path, "/run/netns/%s", netns);
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    if (errno == ENOENT) pio_seterr(err, PIO_UNKNOWN_NETNS, "no network namespace \"%s\" (%s does not exist)", netns, path);
    else if (errno == EACCES || errno == EPERM) pio_seterr(err, PIO_NEED_ROOT, "cannot open %s: %s", path, strerror(errno));
    else pio_seterr(err, PIO_SYS, "cannot open %s: %s", path, strerror(errno));
    return -1;
  }
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) {
    pio_seterr(err, PIO_SYS, "cannot open /proc/thread-self/ns/net: %s", strerror(errno));
    close(target);
    return -1;
  }
  if (setns(target, CLONE_NEWNET) < 0) {
    int e = errno;
    close(target);
    close(self);
    if (e == EPERM) pio_seterr(err, PIO_NEED_ROOT, "entering network namespace \"%s\" needs CAP_SYS_ADMIN", netns);
    else if (e == EINVAL) pio_seterr(err, PIO_UNKNOWN_NETNS, "%s is not a network namespace", path);
    else pio_seterr(err, PIO_SYS, "setns(%s): %s", path, strerror(e));
    return -1;
  }
  close(target);
  return self;
}

void pio_leave_ns(int self) {
  if (setns(self, CLONE_NEWNET) < 0) {
    /* Staying in the wrong namespace would silently misdirect everything this thread does later. */
    perror("hynet packetio: cannot return to the original network namespace");
    abort();
  }
  close(self);
}

int pio_open_packet(const char *netns, const char *iface, int protocol, int *ifindex, pio_err *err) {
  if (!netns || !*netns) return open_in_ns(iface, protocol, ifindex, err);
  int self = pio_enter_ns(netns, err);
  if (self < 0) return -1;
  int fd = open_in_ns(iface, protocol, ifindex, err);
  if (fd < 0 && err->kind == PIO_UNKNOWN_IFACE)
    pio_seterr(err, PIO_UNKNOWN_IFACE, "no interface named \"%s\" in network namespace \"%s\"", iface, netns);
  pio_leave_ns(self);
  return fd;
}

static int write_one(const char *where, const char *key, const char *file, const char *value, pio_err *err) {
  int fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) {
    pio_seterr(err, PIO_SYS, "%s: cannot set %s (%s): %s", where, key, file, strerror(errno));
    return -1;
  }
  char line[512];
  int n = snprintf(line, sizeof line, "%s\n", value);
  ssize_t w = n < (int)sizeof line ? write(fd, line, (size_t)n) : -1;
  int e = w < 0 ? (n < (int)sizeof line ? errno : E2BIG) : 0;
  close(fd);
  if (w != n) {
    pio_seterr(err, PIO_SYS, "%s: cannot set %s = %s: %s", where, key, value, strerror(e ? e : EIO));
    return -1;
  }
  return 0;
}

int pio_write_sysctl(const char *where, const char *key, const char *file, const char *value, pio_err *err) {
  if (!strchr(file, '*')) return write_one(where, key, file, value, err);
  /* A `*` component stands for every match (net.ipv4.conf.*.rp_filter: every interface); none is not an error. */
  glob_t g;
  int r = glob(file, 0, NULL, &g);
  if (r == GLOB_NOMATCH) return 0;
  if (r != 0) {
    pio_seterr(err, PIO_SYS, "%s: cannot expand %s (%s)", where, key, file);
    return -1;
  }
  int rc = 0;
  for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) rc = write_one(where, key, g.gl_pathv[i], value, err);
  globfree(&g);
  return rc;
}
