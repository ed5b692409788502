/* Entering a network namespace just long enough to open and bind a packet socket. */
#include "packetio.h"

#include <errno.h>
#include <fcntl.h>
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

int pio_open_packet(const char *netns, const char *iface, int protocol, int *ifindex, pio_err *err) {
  if (!netns || !*netns) return open_in_ns(iface, protocol, ifindex, err);
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
  int fd = open_in_ns(iface, protocol, ifindex, err);
  if (fd < 0 && err->kind == PIO_UNKNOWN_IFACE)
    pio_seterr(err, PIO_UNKNOWN_IFACE, "no interface named \"%s\" in network namespace \"%s\"", iface, netns);
  if (setns(self, CLONE_NEWNET) < 0) {
    /* Staying in the wrong namespace would silently misdirect everything this thread does later. */
    perror("hynet packetio: cannot return to the original network namespace");
    abort();
  }
  close(target);
  close(self);
  return fd;
}
