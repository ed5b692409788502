/* Generated from src/traffic/packet.ts and src/evaluate/records.ts by `npm run gen:frame`: do not edit. */
#ifndef HYNET_FRAME_H
#define HYNET_FRAME_H

#define HY_TEST_MARKER 0x55
#define HY_TEST_DST_PORT 23432
#define HY_PAYLOAD_ID_OFFSET 0
#define HY_PAYLOAD_ID_LEN 4
#define HY_PAYLOAD_MARKER_OFFSET 4
#define HY_SRC_PORT_SPAN 65536u
#define HY_MIN_FRAME_SIZE 47
#define HY_OFF_IP_ID 18
#define HY_OFF_IP_CHECKSUM 24
#define HY_OFF_IP_SRC 26
#define HY_OFF_IP_DST 30
#define HY_OFF_UDP_SRC_PORT 34
#define HY_OFF_UDP_DST_PORT 36
#define HY_OFF_UDP_LEN 38
#define HY_OFF_PAYLOAD 42

/* Why a frame did not become a record: the values of `Skip`, the names of SKIP_REASONS. */
enum { SK_NONE, SK_NON_IP, SK_ARP, SK_TCP, SK_ICMP, SK_OTHER_IP_PROTO, SK_SHORT_UDP, SK_TRUNCATED, SK_BAD_MARKER, SK_FRAGMENT, SK_MALFORMED, SK_COUNT };

#endif
