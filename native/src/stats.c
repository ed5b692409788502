#include "packetio.h"
#include <stdlib.h>

int gap_hist_init(gap_hist *h) {
  h->fine = calloc(GAP_FINE_NS, sizeof(uint32_t));
  h->coarse = calloc(GAP_COARSE_US, sizeof(uint32_t));
  h->n = 0;
  h->mean = h->m2 = 0;
  h->min = UINT64_MAX;
  h->max = 0;
  return h->fine && h->coarse ? 0 : -1;
}

void gap_hist_free(gap_hist *h) {
  free(h->fine);
  free(h->coarse);
  h->fine = h->coarse = NULL;
}

double gap_hist_pct(const gap_hist *h, double q) {
  if (h->n == 0) return 0.0 / 0.0;
  uint64_t rank = (uint64_t)(q * (double)h->n + 0.999999999);
  if (rank < 1) rank = 1;
  if (rank > h->n) rank = h->n;
  uint64_t seen = 0;
  for (uint32_t i = 0; i < GAP_FINE_NS; i++) {
    seen += h->fine[i];
    if (seen >= rank) return (double)i;
  }
  for (uint32_t i = GAP_FINE_NS / 1000; i < GAP_COARSE_US; i++) {
    seen += h->coarse[i];
    if (seen >= rank) return (double)i * 1000.0 + 500.0; /* bucket middle: 1 us resolution above 100 us */
  }
  return (double)h->max;
}
