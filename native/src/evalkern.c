/*
 * The evaluator's per-record loops in C: scanning pcap records into columns,
 * the counting sort of matches into the per-packet table's order, and
 * formatting that table as CSV. Each is a pure function over memory the
 * caller owns (typed arrays and Buffers): no state between calls, no
 * threads, no system calls.
 *
 * Why C: these loops run once per frame or once per match, millions of
 * times per pair, and in JavaScript they were two thirds of `hynet
 * evaluate`'s CPU time (typed-array stores with bounds checks, a closure
 * call per frame). The JavaScript versions (src/evaluate/records.ts,
 * flows.ts, analysis.ts, outputs.ts) remain the reference and the fallback
 * when the addon is not built or HYNET_NATIVE=0; test/evaluate/native.test.ts
 * checks that both give byte-identical outputs. Any change to the parsing
 * rules must be made in both places.
 */
#include <node_api.h>

#include "frame.h"
#include "packetio.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#define REC 16
/* Payload bytes a record needs: up to the end of the id, and with --strict-marker up to the end of the marker. */
#define ID_END (HY_PAYLOAD_ID_OFFSET + HY_PAYLOAD_ID_LEN)
#define MARKER_END (HY_PAYLOAD_MARKER_OFFSET + 1)
/* Distinct flow keys one scan call may meet before it returns (the caller interns them and calls again). */
#define LOCAL_FLOWS 64
#define KEY_MAX 40
#define LOCAL_SLOTS 256

typedef struct {
  uint32_t id;
  uint32_t sport, dport;
  int addr_off, addr_len;
} rec_t;

static int proto_skip(int proto) {
  if (proto == 6) return SK_TCP;
  if (proto == 1 || proto == 58) return SK_ICMP;
  return SK_OTHER_IP_PROTO;
}

/* parseFrame of records.ts, over one frame of `end` bytes. */
static int parse_frame(const uint8_t *b, int end, int strict, rec_t *out) {
  int p = 12;
  if (p + 2 > end) return SK_TRUNCATED;
  int type = (b[p] << 8) | b[p + 1];
  p += 2;
  while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
    if (p + 4 > end) return SK_TRUNCATED;
    type = (b[p + 2] << 8) | b[p + 3];
    p += 4;
  }
  int udp, udp_limit;
  if (type == 0x0800) {
    if (p + 20 > end) return SK_TRUNCATED;
    int vihl = b[p];
    if ((vihl >> 4) != 4) return SK_MALFORMED;
    int ihl = (vihl & 15) * 4;
    if (ihl < 20) return SK_MALFORMED;
    int proto = b[p + 9];
    if ((((b[p + 6] << 8) | b[p + 7]) & 0x3fff) != 0) return SK_FRAGMENT;
    if (proto != 17) return proto_skip(proto);
    int total = (b[p + 2] << 8) | b[p + 3];
    out->addr_off = p + 12;
    out->addr_len = 4;
    udp = p + ihl;
    udp_limit = p + total;
  } else if (type == 0x86dd) {
    if (p + 40 > end) return SK_TRUNCATED;
    if ((b[p] >> 4) != 6) return SK_MALFORMED;
    int payload_len = (b[p + 4] << 8) | b[p + 5];
    int next = b[p + 6];
    out->addr_off = p + 8;
    out->addr_len = 16;
    int q = p + 40;
    udp_limit = q + payload_len;
    while (next != 17) {
      if (next == 0 || next == 43 || next == 60) {
        if (q + 2 > end) return SK_TRUNCATED;
        next = b[q];
        q += (b[q + 1] + 1) * 8;
      } else if (next == 51) {
        if (q + 2 > end) return SK_TRUNCATED;
        next = b[q];
        q += (b[q + 1] + 2) * 4;
      } else if (next == 44) {
        return SK_FRAGMENT;
      } else {
        return proto_skip(next);
      }
    }
    udp = q;
  } else if (type == 0x0806) {
    return SK_ARP;
  } else {
    return SK_NON_IP;
  }
  if (udp + 8 > end) return SK_TRUNCATED;
  int udp_len = (b[udp + 4] << 8) | b[udp + 5];
  int payload = (udp_len < udp_limit - udp ? udp_len : udp_limit - udp) - 8;
  if (payload < ID_END) return SK_SHORT_UDP;
  int pl = udp + 8;
  if (strict) {
    if (payload < MARKER_END) return SK_BAD_MARKER;
    if (pl + MARKER_END > end) return SK_TRUNCATED;
    if (b[pl + HY_PAYLOAD_MARKER_OFFSET] != HY_TEST_MARKER) return SK_BAD_MARKER;
  } else if (pl + ID_END > end) {
    return SK_TRUNCATED;
  }
  pl += HY_PAYLOAD_ID_OFFSET;
  out->sport = (uint32_t)((b[udp] << 8) | b[udp + 1]);
  out->dport = (uint32_t)((b[udp + 2] << 8) | b[udp + 3]);
  out->id = (uint32_t)b[pl] | (uint32_t)b[pl + 1] << 8 | (uint32_t)b[pl + 2] << 16 | (uint32_t)b[pl + 3] << 24;
  return SK_NONE;
}

/* The flow key bytes exactly as FlowTable.intern (flows.ts) builds them. */
static int flow_key(const uint8_t *b, const rec_t *r, const int32_t *codes, int ncodes, uint8_t *key) {
  int n = 0;
  for (int k = 0; k < ncodes; k++) {
    int c = codes[k];
    if (c < 2) {
      int a = c == 0 ? r->addr_off : r->addr_off + r->addr_len;
      key[n++] = (uint8_t)r->addr_len;
      memcpy(key + n, b + a, (size_t)r->addr_len);
      n += r->addr_len;
    } else {
      uint32_t port = c == 2 ? r->sport : r->dport;
      key[n++] = (uint8_t)(port >> 8);
      key[n++] = (uint8_t)(port & 255);
    }
  }
  return n;
}

static uint32_t rd32(const uint8_t *p, int le) {
  uint32_t v;
  memcpy(&v, p, 4);
  return le ? v : __builtin_bswap32(v);
}

/* ---- N-API argument helpers ---- */

static int typed(napi_env env, napi_value v, void **data, size_t *len) {
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  return napi_get_typedarray_info(env, v, &t, len, data, &ab, &off) == napi_ok;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  return t == napi_null || t == napi_undefined;
}

static double num_arg(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}

static napi_value fail(napi_env env, const char *what) {
  napi_throw_type_error(env, NULL, what);
  return NULL;
}

/* Scan state and results (a Float64Array shared with records.ts's NativeScan). */
enum { ST_BASE, ST_MAX_SPAN, ST_RECORDS, ST_POS, ST_STATUS, ST_NEED, ST_FRAMES, ST_FLOWS, ST_SEC, ST_NSEC, ST_LEN };
/* Why a scan returned. */
enum { SCAN_INPUT, SCAN_BATCH_FULL, SCAN_FLOWS_FULL, SCAN_CAPLEN, SCAN_TIME_RANGE };

/*
 * scanPcap(buf, start, end, cfg: Int32Array, st: Float64Array, skip: Float64Array(11),
 *          ts: Float64Array(K), id: Uint32Array(K), ports: Uint32Array(K), flow: Uint8Array(K),
 *          flowCount: Float64Array(64), keys: Uint8Array(64*40), keyLen: Uint8Array(64))
 *
 * Consumes whole pcap records from buf[start, end) (after the file header) and writes one
 * row per latency record: ts (ns relative to st[ST_BASE], set from the first record if NaN),
 * id, srcport << 16 | dstport, and a flow index local to this call whose key bytes are in
 * keys[f * 40, + keyLen[f]). Frames that are not records are counted in skip[reason].
 * cfg = [littleEndian, nsPerFraction, maxCaplen, strict, nCodes, code0..code3].
 * Returns at the end of the input, or early (st[ST_STATUS]) when K rows or 64 flows are
 * used, at a record claiming more than maxCaplen bytes, or at a timestamp more than
 * st[ST_MAX_SPAN] seconds from the base (that record not consumed).
 */
static napi_value js_scan_pcap(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value a[13];
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc < 13) return fail(env, "scanPcap: 13 arguments expected");
  uint8_t *buf, *flow, *keys, *key_len;
  int32_t *cfg;
  double *st, *skip, *ts, *flow_count;
  uint32_t *id, *ports;
  size_t buf_len, cap, n_cfg, n_st, n_skip, n1, n2, n3, n4, n5, n6;
  if (!typed(env, a[0], (void **)&buf, &buf_len) || !typed(env, a[3], (void **)&cfg, &n_cfg) || !typed(env, a[4], (void **)&st, &n_st) ||
      !typed(env, a[5], (void **)&skip, &n_skip) || !typed(env, a[6], (void **)&ts, &cap) || !typed(env, a[7], (void **)&id, &n1) ||
      !typed(env, a[8], (void **)&ports, &n2) || !typed(env, a[9], (void **)&flow, &n3) || !typed(env, a[10], (void **)&flow_count, &n4) ||
      !typed(env, a[11], (void **)&keys, &n5) || !typed(env, a[12], (void **)&key_len, &n6))
    return fail(env, "scanPcap: typed arrays expected");
  if (n_cfg < 5 || n_st < ST_LEN || n_skip < SK_COUNT || n1 < cap || n2 < cap || n3 < cap || n4 < LOCAL_FLOWS || n5 < LOCAL_FLOWS * KEY_MAX || n6 < LOCAL_FLOWS)
    return fail(env, "scanPcap: an output array is too small");
  size_t p = (size_t)num_arg(env, a[1]);
  size_t end = (size_t)num_arg(env, a[2]);
  if (end > buf_len || p > end) return fail(env, "scanPcap: range outside the buffer");
  const int le = cfg[0], strict = cfg[3], ncodes = cfg[4];
  const uint64_t mul = (uint64_t)cfg[1];
  const uint32_t max_cap = (uint32_t)cfg[2];
  if (ncodes < 0 || ncodes > 4 || n_cfg < (size_t)(5 + ncodes)) return fail(env, "scanPcap: bad flow key codes");
  const int32_t *codes = cfg + 5;
  double base = st[ST_BASE];
  const double max_span = st[ST_MAX_SPAN];

  int16_t slots[LOCAL_SLOTS];
  memset(slots, -1, sizeof slots);
  uint32_t hashes[LOCAL_FLOWS];
  int nflows = 0;
  memset(skip, 0, SK_COUNT * sizeof(double));
  memset(flow_count, 0, LOCAL_FLOWS * sizeof(double));

  size_t rows = 0, frames = 0;
  int status = SCAN_INPUT;
  double need = REC;
  uint8_t key[KEY_MAX];
  rec_t r;
  while (p + REC <= end) {
    const uint8_t *h = buf + p;
    uint32_t caplen = rd32(h + 8, le);
    if (caplen > max_cap) {
      status = SCAN_CAPLEN;
      need = caplen;
      break;
    }
    if (p + REC + caplen > end) {
      need = REC + (double)caplen;
      break;
    }
    if (rows == cap) {
      status = SCAN_BATCH_FULL;
      break;
    }
    const uint8_t *frame = h + REC;
    int why = parse_frame(frame, (int)caplen, strict, &r);
    if (why != SK_NONE) {
      skip[why]++;
      frames++;
      p += REC + caplen;
      continue;
    }
    double sec = rd32(h, le);
    uint64_t nsec = (uint64_t)rd32(h + 4, le) * mul;
    if (nsec >= 1000000000u) {
      sec += (double)(nsec / 1000000000u);
      nsec %= 1000000000u;
    }
    if (base != base) base = sec;
    double d = sec - base;
    if (d > max_span || d < -max_span) {
      status = SCAN_TIME_RANGE;
      st[ST_SEC] = sec;
      st[ST_NSEC] = (double)nsec;
      break;
    }
    int klen = flow_key(frame, &r, codes, ncodes, key);
    uint32_t hsh = 0x811c9dc5u;
    for (int i = 0; i < klen; i++) hsh = (hsh ^ key[i]) * 0x01000193u;
    int slot = (int)((hsh ^ (hsh >> 15)) & (LOCAL_SLOTS - 1));
    int f = -1;
    for (;;) {
      int g = slots[slot];
      if (g < 0) break;
      if (hashes[g] == hsh && key_len[g] == klen && memcmp(keys + g * KEY_MAX, key, (size_t)klen) == 0) {
        f = g;
        break;
      }
      slot = (slot + 1) & (LOCAL_SLOTS - 1);
    }
    if (f < 0) {
      if (nflows == LOCAL_FLOWS) {
        status = SCAN_FLOWS_FULL;
        break;
      }
      f = nflows++;
      slots[slot] = (int16_t)f;
      hashes[f] = hsh;
      key_len[f] = (uint8_t)klen;
      memcpy(keys + f * KEY_MAX, key, (size_t)klen);
    }
    ts[rows] = d * 1e9 + (double)nsec;
    id[rows] = r.id;
    ports[rows] = r.sport << 16 | r.dport;
    flow[rows] = (uint8_t)f;
    flow_count[f]++;
    rows++;
    frames++;
    p += REC + caplen;
  }
  st[ST_BASE] = base;
  st[ST_RECORDS] = (double)rows;
  st[ST_POS] = (double)p;
  st[ST_STATUS] = status;
  st[ST_NEED] = need;
  st[ST_FRAMES] = (double)frames;
  st[ST_FLOWS] = nflows;
  return NULL;
}

/* A match on its way through the radix passes: its row, and the sort key (hi − latency) that also gives its latency back. */
typedef struct {
  double ts;
  uint32_t id, ports, flow, key;
} sortrow_t;

static void *big_alloc(size_t bytes) {
  void *p = NULL;
  /* 2 MiB-aligned so that the kernel can back all of it with huge pages. */
  if (posix_memalign(&p, 2u << 20, bytes ? bytes : 1) != 0) return NULL;
  pio_advise_huge(p, bytes);
  return p;
}

/*
 * sortByLatency(hi, span, lat, mpre, preRank|null, preN, preTs, preId, prePorts, preFlow,
 *               outLat, outTs, outId, outPorts, outFlow)
 *
 * sortMatches of analysis.ts for integer latencies in [hi − span, hi]: the matches in pre rank
 * order (arrival order within a rank), then stably by descending latency. Scattering each row
 * straight to its place (one cursor per distinct latency, ~10^5 of them) missed the cache on
 * every store; instead the rows are gathered once in rank order (sequential reads of the pre
 * columns) and moved by an LSD radix sort on the key with ≤ 11-bit digits, whose ≤ 2048
 * write cursors stay in cache, the last pass writing the columns. (Sorting (key, record) pairs
 * and gathering the rows at the end touches less memory but reads the pre columns at random:
 * measured slower.)
 */
static napi_value js_sort_by_latency(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value a[15];
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc < 15) return fail(env, "sortByLatency: 15 arguments expected");
  const double hi = num_arg(env, a[0]);
  const double span_d = num_arg(env, a[1]);
  const size_t pre_n = (size_t)num_arg(env, a[5]);
  double *lat, *pre_ts, *out_lat, *out_ts;
  uint32_t *mpre, *rank = NULL, *pre_id, *pre_ports, *pre_flow, *out_id, *out_ports, *out_flow;
  size_t m_n, n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11 = 0;
  if (!typed(env, a[2], (void **)&lat, &m_n) || !typed(env, a[3], (void **)&mpre, &n1) || !typed(env, a[6], (void **)&pre_ts, &n2) ||
      !typed(env, a[7], (void **)&pre_id, &n3) || !typed(env, a[8], (void **)&pre_ports, &n4) || !typed(env, a[9], (void **)&pre_flow, &n5) ||
      !typed(env, a[10], (void **)&out_lat, &n6) || !typed(env, a[11], (void **)&out_ts, &n7) || !typed(env, a[12], (void **)&out_id, &n8) ||
      !typed(env, a[13], (void **)&out_ports, &n9) || !typed(env, a[14], (void **)&out_flow, &n10))
    return fail(env, "sortByLatency: typed arrays expected");
  if (!is_nullish(env, a[4]) && !typed(env, a[4], (void **)&rank, &n11)) return fail(env, "sortByLatency: preRank must be a Uint32Array or null");
  /* The caller passes the match columns cut to their length (subarray). */
  const size_t m = m_n;
  if (n1 < m || n6 < m || n7 < m || n8 < m || n9 < m || n10 < m || n2 < pre_n || n3 < pre_n || n4 < pre_n || n5 < pre_n || (rank && n11 < pre_n) || !(span_d >= 0) || span_d >= 4294967295.0)
    return fail(env, "sortByLatency: array sizes do not match");
  for (size_t j = 0; j < m; j++)
    if (mpre[j] >= pre_n || !(hi - lat[j] >= 0 && hi - lat[j] <= span_d)) return fail(env, "sortByLatency: a match is out of range");
  const uint32_t span = (uint32_t)span_d;

  /*
   * Matches grouped by pre rank, arrival order within a rank (a duplicated packet's copies).
   * Fresh memory costs a page fault per 4 KiB (microseconds each on a VM), so the sort touches
   * as little as it can: `scratch` holds the grouping's counters and order, then serves as a
   * second row buffer when there are three passes; the last pass writes the columns.
   */
  int bits = 0;
  while (bits < 32 && ((uint64_t)1 << bits) <= span) bits++;
  const int passes = bits ? (bits + 10) / 11 : 1;
  const int width = (bits + passes - 1) / passes;
  const uint32_t mask = ((uint32_t)1 << width) - 1;
  const size_t buckets = (size_t)1 << width;
  const size_t group_bytes = (pre_n + 1 + m) * 4;
  const size_t scratch_bytes = passes > 2 && m * sizeof(sortrow_t) > group_bytes ? m * sizeof(sortrow_t) : group_bytes;
  uint32_t *scratch = big_alloc(scratch_bytes);
  sortrow_t *rows = passes > 1 ? big_alloc(m * sizeof *rows) : NULL;
  uint32_t *count = malloc(buckets * sizeof *count);
  if (!scratch || (passes > 1 && !rows) || !count) {
    free(scratch), free(rows), free(count);
    napi_throw_error(env, "ENOMEM", "sortByLatency: out of memory");
    return NULL;
  }
  uint32_t *start = scratch, *by_rank = scratch + pre_n + 1;
  memset(start, 0, (pre_n + 1) * sizeof *start);
  for (size_t j = 0; j < m; j++) start[(rank ? rank[mpre[j]] : mpre[j]) + 1]++;
  for (size_t r = 0; r < pre_n; r++) start[r + 1] += start[r];
  for (size_t j = 0; j < m; j++) by_rank[start[rank ? rank[mpre[j]] : mpre[j]]++] = (uint32_t)j;

  /* LSD radix sort on the key, stable, digits of ≤ 11 bits: the first pass gathers the rows. */
#define EMIT(o, TS, ID, PORTS, FLOW, KEY) \
  do {                                    \
    out_lat[o] = hi - (KEY);              \
    out_ts[o] = (TS);                     \
    out_id[o] = (ID);                     \
    out_ports[o] = (PORTS);               \
    out_flow[o] = (FLOW);                 \
  } while (0)
  sortrow_t *cur = rows, *tmp = (sortrow_t *)scratch;
  for (int pass = 0; pass < passes; pass++) {
    const int shift = pass * width;
    const int last = pass == passes - 1;
    memset(count, 0, buckets * sizeof *count);
    if (pass == 0) {
      for (size_t j = 0; j < m; j++) count[((uint32_t)(hi - lat[j]) >> shift) & mask]++;
    } else {
      for (size_t j = 0; j < m; j++) count[(cur[j].key >> shift) & mask]++;
    }
    uint32_t sum = 0;
    for (size_t d = 0; d < buckets; d++) {
      uint32_t c = count[d];
      count[d] = sum;
      sum += c;
    }
    if (pass == 0) {
      /* Rank order reads the pre columns sequentially. */
      for (size_t j = 0; j < m; j++) {
        const uint32_t k = by_rank[j];
        const uint32_t pi = mpre[k];
        const uint32_t key = (uint32_t)(hi - lat[k]);
        const uint32_t o = count[key & mask]++;
        if (last) EMIT(o, pre_ts[pi], pre_id[pi], pre_ports[pi], pre_flow[pi], key);
        else rows[o] = (sortrow_t){pre_ts[pi], pre_id[pi], pre_ports[pi], pre_flow[pi], key};
      }
    } else if (last) {
      for (size_t j = 0; j < m; j++) {
        const sortrow_t *r = &cur[j];
        const uint32_t o = count[(r->key >> shift) & mask]++;
        EMIT(o, r->ts, r->id, r->ports, r->flow, r->key);
      }
    } else {
      for (size_t j = 0; j < m; j++) tmp[count[(cur[j].key >> shift) & mask]++] = cur[j];
      sortrow_t *t = cur;
      cur = tmp;
      tmp = t;
    }
  }
#undef EMIT
  free(scratch), free(rows), free(count);
  return NULL;
}

/* "00".."99": two digits per division. */
static const char D2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static char *put_u32(char *p, uint32_t v) {
  int n = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
  char *e = p + n;
  while (v >= 100) {
    uint32_t q = v / 100, r = (v - q * 100) * 2;
    *--e = D2[r + 1];
    *--e = D2[r];
    v = q;
  }
  if (v >= 10) {
    *--e = D2[v * 2 + 1];
    *--e = D2[v * 2];
  } else {
    *--e = (char)('0' + v);
  }
  return p + n;
}

/* v < 10^9 as exactly 9 digits. */
static char *put_pad9(char *p, uint32_t v) {
  char *e = p + 9;
  for (int i = 0; i < 4; i++) {
    uint32_t q = v / 100, r = (v - q * 100) * 2;
    *--e = D2[r + 1];
    *--e = D2[r];
    v = q;
  }
  *--e = (char)('0' + v);
  return p + 9;
}

static char *put_u64(char *p, uint64_t v) {
  if (v < 1000000000u) return put_u32(p, (uint32_t)v);
  uint64_t hi = v / 1000000000u;
  return put_pad9(put_u64(p, hi), (uint32_t)(v - hi * 1000000000u));
}

static char *put_i64(char *p, int64_t v) {
  if (v < 0) {
    *p++ = '-';
    return put_u64(p, (uint64_t)0 - (uint64_t)v);
  }
  return put_u64(p, (uint64_t)v);
}

/*
 * formatRows(buf, st: Float64Array [pos, next], to, positions|null, lat, ts, id, ports, shift, baseSec)
 *
 * Rows `latency,prets,postts,id,srcport,dstport` (matchRows in outputs.ts) for sorted
 * positions next..to−1 (or positions[next..to−1]) into buf from st[0], until the next row
 * might not fit (a row is < 100 bytes). Updates st to where it stopped.
 */
static napi_value js_format_rows(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value a[10];
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) != napi_ok || argc < 10) return fail(env, "formatRows: 10 arguments expected");
  char *buf;
  double *st, *lat, *ts;
  uint32_t *pos = NULL, *id, *ports;
  size_t buf_len, n_st, n_pos = 0, n_lat, n_ts, n_id, n_ports;
  if (!typed(env, a[0], (void **)&buf, &buf_len) || !typed(env, a[1], (void **)&st, &n_st) || !typed(env, a[4], (void **)&lat, &n_lat) ||
      !typed(env, a[5], (void **)&ts, &n_ts) || !typed(env, a[6], (void **)&id, &n_id) || !typed(env, a[7], (void **)&ports, &n_ports) || n_st < 2)
    return fail(env, "formatRows: typed arrays expected");
  if (!is_nullish(env, a[3]) && !typed(env, a[3], (void **)&pos, &n_pos)) return fail(env, "formatRows: positions must be a Uint32Array or null");
  const size_t to = (size_t)num_arg(env, a[2]);
  const int64_t shift = (int64_t)num_arg(env, a[8]);
  const int64_t base_ns = (int64_t)num_arg(env, a[9]) * 1000000000;
  size_t n_rows = n_lat < n_ts ? n_lat : n_ts;
  if (n_id < n_rows) n_rows = n_id;
  if (n_ports < n_rows) n_rows = n_ports;
  if ((pos ? n_pos : n_rows) < to) return fail(env, "formatRows: `to` is past the rows");
  size_t i = (size_t)st[1];
  char *p = buf + (size_t)st[0];
  char *const limit = buf + buf_len - 128;
  for (; i < to && p < limit; i++) {
    const size_t k = pos ? pos[i] : i;
    if (k >= n_rows) return fail(env, "formatRows: a position is past the rows");
    const int64_t l = (int64_t)lat[k];
    const int64_t t = (int64_t)ts[k];
    const uint32_t pt = ports[k];
    p = put_i64(p, l - shift);
    *p++ = ',';
    p = put_i64(p, base_ns + t);
    *p++ = ',';
    p = put_i64(p, base_ns + (int64_t)(ts[k] + lat[k]));
    *p++ = ',';
    p = put_u64(p, id[k]);
    *p++ = ',';
    p = put_u64(p, pt >> 16);
    *p++ = ',';
    p = put_u64(p, pt & 0xffff);
    *p++ = '\n';
  }
  st[0] = (double)(p - buf);
  st[1] = (double)i;
  return NULL;
}

void evalkern_define(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"scanPcap", NULL, js_scan_pcap, NULL, NULL, NULL, napi_default, NULL},
      {"sortByLatency", NULL, js_sort_by_latency, NULL, NULL, NULL, napi_default, NULL},
      {"formatRows", NULL, js_format_rows, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
