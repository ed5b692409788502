/*
 * N-API glue: argument parsing, one pthread per job, and a threadsafe
 * function that settles the job's promise on the JavaScript thread.
 * Plain node_api.h (no C++ wrapper) keeps the build to a C compiler.
 */
#define NAPI_EXPERIMENTAL_OFF
#include <node_api.h>

#include "packetio.h"

void evalkern_define(napi_env env, napi_value exports); /* evalkern.c */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *kind_code(pio_err_kind k) {
  switch (k) {
    case PIO_NEED_ROOT: return "NEED_ROOT";
    case PIO_UNKNOWN_NETNS: return "UNKNOWN_NETNS";
    case PIO_UNKNOWN_IFACE: return "UNKNOWN_IFACE";
    case PIO_IFACE_DOWN: return "IFACE_DOWN";
    default: return "SYS";
  }
}

/* ---- small argument helpers ---- */
static int get_prop(napi_env env, napi_value obj, const char *name, napi_value *out) {
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return 0;
  if (napi_get_named_property(env, obj, name, out) != napi_ok) return 0;
  napi_valuetype t;
  napi_typeof(env, *out, &t);
  return t != napi_undefined && t != napi_null;
}
static double get_num(napi_env env, napi_value obj, const char *name, double def) {
  napi_value v;
  double d = def;
  if (get_prop(env, obj, name, &v)) napi_get_value_double(env, v, &d);
  return d;
}
/*
 * A required number option within [min, max] (above min when `above`, whole
 * when `whole`). Otherwise throws a TypeError or RangeError with code
 * BAD_OPTION naming the option and returns 0: the C side keeps no defaults
 * of its own, so a caller that forgets one hears of it instead of getting a
 * made-up rate.
 */
static int req_num(napi_env env, napi_value obj, const char *fn, const char *name, double min, double max, int above, int whole, double *out) {
  napi_value v;
  napi_valuetype t = napi_undefined;
  char msg[256];
  if (get_prop(env, obj, name, &v)) napi_typeof(env, v, &t);
  if (t != napi_number) {
    snprintf(msg, sizeof msg, "%s: option %s is %s; expected a number", fn, name, t == napi_undefined || t == napi_null ? "missing" : "not a number");
    napi_throw_type_error(env, "BAD_OPTION", msg);
    return 0;
  }
  double d = 0;
  napi_get_value_double(env, v, &d);
  /* Written so that NaN fails every comparison and is refused. */
  int ok = (above ? d > min : d >= min) && d <= max && (!whole || d == (double)(uint64_t)d);
  if (!ok) {
    snprintf(msg, sizeof msg, "%s: option %s is %g; expected %s %s %.17g up to %.17g", fn, name, d, whole ? "a whole number" : "a number", above ? "above" : "from", min, max);
    napi_throw_range_error(env, "BAD_OPTION", msg);
    return 0;
  }
  *out = d;
  return 1;
}

static void get_str(napi_env env, napi_value obj, const char *name, char *buf, size_t len) {
  napi_value v;
  buf[0] = 0;
  size_t n;
  if (get_prop(env, obj, name, &v)) napi_get_value_string_utf8(env, v, buf, len, &n);
}
static void set_num(napi_env env, napi_value obj, const char *name, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  napi_set_named_property(env, obj, name, v);
}
static void set_bigint(napi_env env, napi_value obj, const char *name, uint64_t u) {
  napi_value v;
  napi_create_bigint_uint64(env, u, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value make_error(napi_env env, const char *code, const char *msg) {
  napi_value c, m, e;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &c);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, c, m, &e);
  return e;
}

/* ---- jobs: shared by the JS handle and the thread; the last one out frees ---- */
typedef enum { JOB_SEND, JOB_CAPTURE } job_type;
typedef struct {
  job_type type;
  atomic_int refs;
  napi_deferred deferred;
  napi_threadsafe_function tsfn;
  pthread_t thread;
  union {
    pio_send_job send;
    pio_capture_job cap;
  } u;
} job;

static void job_unref(job *jb) {
  if (atomic_fetch_sub(&jb->refs, 1) != 1) return;
  if (jb->type == JOB_SEND) {
    gap_hist_free(&jb->u.send.gaps);
    free(jb->u.send.frame);
    if (jb->u.send.fd >= 0) close(jb->u.send.fd);
  } else {
    pio_capture_close(&jb->u.cap);
  }
  free(jb);
}

static void handle_finalize(napi_env env, void *data, void *hint) { job_unref((job *)data); }

static void *thread_main(void *arg) {
  job *jb = arg;
  if (jb->type == JOB_SEND) pio_send_run(&jb->u.send);
  else pio_capture_run(&jb->u.cap);
  napi_call_threadsafe_function(jb->tsfn, jb, napi_tsfn_blocking);
  napi_release_threadsafe_function(jb->tsfn, napi_tsfn_release);
  return NULL;
}

static napi_value send_result(napi_env env, pio_send_job *s) {
  napi_value r, gap;
  napi_create_object(env, &r);
  set_num(env, r, "sent", (double)s->sent);
  set_bigint(env, r, "firstNs", s->first_ns);
  set_bigint(env, r, "lastNs", s->last_ns);
  set_bigint(env, r, "lastBurstNs", s->last_burst_ns);
  set_num(env, r, "lastBurstFrames", (double)s->last_burst_frames);
  set_num(env, r, "realtime", s->realtime_ok);
  set_num(env, r, "lateBursts", (double)s->late_bursts);
  set_num(env, r, "cancelled", atomic_load(&s->cancel) ? 1 : 0);
  napi_create_object(env, &gap);
  const gap_hist *h = &s->gaps;
  double std = h->n > 1 ? __builtin_sqrt(h->m2 / (double)(h->n - 1)) : 0;
  set_num(env, gap, "n", (double)h->n);
  set_num(env, gap, "mean", h->n ? h->mean : 0);
  set_num(env, gap, "std", std);
  set_num(env, gap, "min", h->n ? (double)h->min : 0);
  set_num(env, gap, "max", (double)h->max);
  set_num(env, gap, "p1", h->n ? gap_hist_pct(h, 0.01) : 0);
  set_num(env, gap, "p50", h->n ? gap_hist_pct(h, 0.50) : 0);
  set_num(env, gap, "p99", h->n ? gap_hist_pct(h, 0.99) : 0);
  napi_set_named_property(env, r, "gap", gap);
  return r;
}

static napi_value capture_result(napi_env env, pio_capture_job *c) {
  napi_value r, arr;
  napi_create_object(env, &r);
  set_num(env, r, "frames", (double)c->frames);
  set_num(env, r, "bytes", (double)c->bytes);
  set_num(env, r, "drops", (double)c->drops);
  set_num(env, r, "freezes", (double)c->freezes);
  set_num(env, r, "hwFrames", (double)c->hw_frames);
  set_num(env, r, "afterStop", (double)c->after_stop);
  set_num(env, r, "hwEnabled", c->hw_enabled);
  set_num(env, r, "realtime", c->realtime_ok);
  napi_create_array_with_length(env, c->nsamples, &arr);
  for (size_t i = 0; i < c->nsamples; i++) {
    napi_value s;
    napi_create_object(env, &s);
    set_bigint(env, s, "tsNs", c->samples[i].ts_ns);
    set_num(env, s, "frames", (double)c->samples[i].frames);
    set_num(env, s, "bytes", (double)c->samples[i].bytes);
    set_num(env, s, "drops", (double)c->samples[i].drops);
    napi_set_element(env, arr, (uint32_t)i, s);
  }
  napi_set_named_property(env, r, "samples", arr);
  return r;
}

static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  job *jb = data;
  if (env) {
    int err_no = jb->type == JOB_SEND ? jb->u.send.err_no : jb->u.cap.err_no;
    const char *where = jb->type == JOB_SEND ? jb->u.send.err_where : jb->u.cap.err_where;
    if (err_no) {
      char msg[256];
      snprintf(msg, sizeof msg, "%s: %s", where, strerror(err_no));
      napi_reject_deferred(env, jb->deferred, make_error(env, err_no == EPERM || err_no == EACCES ? "NEED_ROOT" : "SYS", msg));
    } else {
      napi_value r = jb->type == JOB_SEND ? send_result(env, &jb->u.send) : capture_result(env, &jb->u.cap);
      napi_resolve_deferred(env, jb->deferred, r);
    }
  }
  job_unref(jb);
}

/* Start the thread; returns { done: Promise, handle: External } or throws. */
static napi_value start_job(napi_env env, job *jb, const char *name) {
  napi_value promise, handle, res, resname;
  if (napi_create_promise(env, &jb->deferred, &promise) != napi_ok) goto fail;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resname);
  if (napi_create_threadsafe_function(env, NULL, NULL, resname, 0, 1, NULL, NULL, NULL, call_js, &jb->tsfn) != napi_ok) goto fail;
  atomic_store(&jb->refs, 2);
  if (napi_create_external(env, jb, handle_finalize, NULL, &handle) != napi_ok) goto fail;
  int e = pthread_create(&jb->thread, NULL, thread_main, jb);
  if (e) {
    napi_throw_error(env, "SYS", "cannot start the packet I/O thread");
    return NULL;
  }
  pthread_detach(jb->thread);
  napi_create_object(env, &res);
  napi_set_named_property(env, res, "done", promise);
  napi_set_named_property(env, res, "handle", handle);
  return res;
fail:
  napi_throw_error(env, "SYS", "packetio: cannot set up the job");
  return NULL;
}

/*
 * The common head of send() and startCapture(): the options object, the
 * endpoint it names (netns may be empty) and a zeroed job of `type`.
 * Returns NULL with a JS error thrown.
 */
typedef struct {
  napi_value opts;
  char netns[1024];
  char iface[64];
} endpoint_args;

static job *new_job(napi_env env, napi_callback_info info, job_type type, endpoint_args *a) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, "packetio: expected an options object");
    return NULL;
  }
  a->opts = argv[0];
  get_str(env, a->opts, "netns", a->netns, sizeof a->netns);
  get_str(env, a->opts, "iface", a->iface, sizeof a->iface);
  job *jb = calloc(1, sizeof *jb);
  if (!jb) {
    napi_throw_error(env, "SYS", "out of memory");
    return NULL;
  }
  jb->type = type;
  return jb;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  endpoint_args a;
  job *jb = new_job(env, info, JOB_SEND, &a);
  if (!jb) return NULL;
  napi_value o = a.opts;
  napi_value fv;
  void *fdata = NULL;
  size_t flen = 0;
  const char *fn = "packetio.send";
  /* Largest integer a double holds exactly: counts and durations beyond it would be rounded. */
  const double exact = 9007199254740992.0;
  double flows, src, count, dur, rate, burst, start_id, rt;
  if (!req_num(env, o, fn, "flows", 1, UINT32_MAX, 0, 1, &flows) || !req_num(env, o, fn, "srcIpBase", 0, UINT32_MAX, 0, 1, &src) ||
      !req_num(env, o, fn, "count", 0, exact, 0, 1, &count) || !req_num(env, o, fn, "durationNs", 0, exact, 0, 1, &dur) ||
      !req_num(env, o, fn, "rate", 0, 1e9, 1, 0, &rate) || !req_num(env, o, fn, "burst", 1, UINT32_MAX, 0, 1, &burst) ||
      !req_num(env, o, fn, "startId", 0, UINT32_MAX, 0, 1, &start_id) || !req_num(env, o, fn, "realtime", 0, 1, 0, 1, &rt)) {
    free(jb);
    return NULL;
  }
  if (!get_prop(env, o, "frame", &fv) || napi_get_buffer_info(env, fv, &fdata, &flen) != napi_ok || flen < 47) {
    free(jb);
    napi_throw_error(env, "SYS", "packetio.send: frame must be a Buffer of at least 47 bytes");
    return NULL;
  }
  pio_send_job *s = &jb->u.send;
  s->fd = -1;
  s->frame = malloc(flen);
  if (!s->frame || gap_hist_init(&s->gaps) < 0) {
    gap_hist_free(&s->gaps);
    free(s->frame);
    free(jb);
    napi_throw_error(env, "SYS", "out of memory");
    return NULL;
  }
  memcpy(s->frame, fdata, flen);
  s->frame_len = (uint32_t)flen;
  s->flows = (uint32_t)flows;
  s->src_ip_base = (uint32_t)src;
  s->count = (uint64_t)count;
  s->duration_ns = (uint64_t)dur;
  s->rate = rate;
  s->burst = (uint32_t)burst;
  s->start_id = (uint32_t)start_id;
  s->realtime = rt != 0;
  int sndbuf = 4 << 20;
  pio_err err = {PIO_OK, ""};
  int ifindex;
  s->fd = pio_open_packet(a.netns, a.iface, 0, &ifindex, &err);
  if (s->fd < 0) {
    gap_hist_free(&s->gaps);
    free(s->frame);
    free(jb);
    napi_throw_error(env, kind_code(err.kind), err.msg);
    return NULL;
  }
  setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  return start_job(env, jb, "hynet-send");
}

static napi_value js_start_capture(napi_env env, napi_callback_info info) {
  endpoint_args a;
  job *jb = new_job(env, info, JOB_CAPTURE, &a);
  if (!jb) return NULL;
  napi_value o = a.opts;
  pio_capture_job *c = &jb->u.cap;
  c->fd = -1;
  get_str(env, o, "path", c->path, sizeof c->path);
  get_str(env, o, "tmpPath", c->tmp_path, sizeof c->tmp_path);
  c->snaplen = (uint32_t)get_num(env, o, "snaplen", 84);
  c->realtime = get_num(env, o, "realtime", 0) != 0;
  double dur = get_num(env, o, "durationNs", 0);
  c->deadline_mono_ns = dur > 0 ? pio_mono_ns() + (uint64_t)dur : 0;
  atomic_store(&c->cutoff_real_ns, dur > 0 ? pio_real_ns() + (uint64_t)dur : 0);
  pio_err err = {PIO_OK, ""};
  if (pio_capture_open(c, a.netns, a.iface, &err) < 0) {
    free(jb);
    napi_throw_error(env, kind_code(err.kind), err.msg);
    return NULL;
  }
  napi_value res = start_job(env, jb, "hynet-capture");
  if (res) set_num(env, res, "hwEnabled", c->hw_enabled);
  return res;
}

/* setSysctls(netns, [key, file, value, key, file, value, …]): one setns for all of a namespace's sysctls, on this thread. */
static napi_value js_set_sysctls(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char netns[256], key[256], file[512], value[256];
  size_t n;
  uint32_t len = 0;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], netns, sizeof netns, &n) != napi_ok || napi_get_array_length(env, argv[1], &len) != napi_ok || len % 3) {
    napi_throw_error(env, "SYS", "packetio.setSysctls: expected (netns, [key, file, value, …])");
    return NULL;
  }
  pio_err err = {PIO_OK, ""};
  int self = pio_enter_ns(netns, &err);
  if (self < 0) {
    napi_throw_error(env, kind_code(err.kind), err.msg);
    return NULL;
  }
  int rc = 0;
  for (uint32_t i = 0; i < len && rc == 0; i += 3) {
    char *bufs[3] = {key, file, value};
    size_t sizes[3] = {sizeof key, sizeof file, sizeof value};
    for (uint32_t k = 0; k < 3; k++) {
      napi_value v;
      napi_get_element(env, argv[1], i + k, &v);
      if (napi_get_value_string_utf8(env, v, bufs[k], sizes[k], &n) != napi_ok) bufs[k][0] = 0;
    }
    rc = pio_write_sysctl(netns, key, file, value, &err);
  }
  pio_leave_ns(self);
  if (rc < 0) napi_throw_error(env, kind_code(err.kind), err.msg);
  return NULL;
}

static napi_value js_real_ns(napi_env env, napi_callback_info info) {
  napi_value v;
  napi_create_bigint_uint64(env, pio_real_ns(), &v);
  return v;
}

/* cancel(handle[, cutoffRealNs: bigint]): stop a send, or stop a capture keeping frames stamped up to the cut-off. */
static napi_value js_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *p = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_external(env, argv[0], &p) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a packetio handle");
    return NULL;
  }
  job *jb = p;
  if (jb->type == JOB_SEND) atomic_store(&jb->u.send.cancel, 1);
  else {
    uint64_t now = pio_real_ns();
    bool lossless;
    uint64_t given;
    if (argc >= 2 && napi_get_value_bigint_uint64(env, argv[1], &given, &lossless) == napi_ok && given) now = given;
    uint64_t cut = atomic_load(&jb->u.cap.cutoff_real_ns);
    if (!cut || now < cut) atomic_store(&jb->u.cap.cutoff_real_ns, now);
    atomic_store(&jb->u.cap.stop, 1);
  }
  return NULL;
}

/*
 * adviseHugePages(typedArray): ask for transparent huge pages under the array's
 * memory (madvise MADV_HUGEPAGE on its 2 MiB-aligned interior), before it is
 * first touched. On a VM a first touch of a 4 KiB page costs microseconds;
 * the evaluator fills hundreds of MiB of columns once, and glibc's own switch
 * (GLIBC_TUNABLES=glibc.malloc.hugetlb=1) would have to be set before Node
 * starts. Returns the bytes advised (0 when the array is too small or the
 * kernel refuses: advice, never an error).
 */
static napi_value js_advise_huge(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], res;
  napi_typedarray_type type;
  size_t length = 0, offset = 0, byte_len = 0;
  void *data = NULL;
  napi_value ab;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &offset) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a typed array");
    return NULL;
  }
  /* The array's own extent (not its buffer's: napi_get_arraybuffer_info fails for a SharedArrayBuffer). */
  switch (type) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: byte_len = length; break;
    case napi_int16_array: case napi_uint16_array: byte_len = length * 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: byte_len = length * 4; break;
    default: byte_len = length * 8; break;
  }
  napi_create_double(env, (double)pio_advise_huge(data, byte_len), &res);
  return res;
}

size_t pio_advise_huge(void *data, size_t bytes) {
  const uintptr_t huge = 2u << 20;
  uintptr_t start = ((uintptr_t)data + huge - 1) & ~(huge - 1);
  uintptr_t end = ((uintptr_t)data + bytes) & ~(huge - 1);
  if (end > start && madvise((void *)start, end - start, MADV_HUGEPAGE) == 0) return end - start;
  return 0;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"startCapture", NULL, js_start_capture, NULL, NULL, NULL, napi_default, NULL},
      {"cancel", NULL, js_cancel, NULL, NULL, NULL, napi_default, NULL},
      {"realNs", NULL, js_real_ns, NULL, NULL, NULL, napi_default, NULL},
      {"setSysctls", NULL, js_set_sysctls, NULL, NULL, NULL, napi_default, NULL},
      {"adviseHugePages", NULL, js_advise_huge, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  evalkern_define(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
