/*
 * time.h: clocks and durations. Wall-clock time (ms/us since the epoch) is
 * what braid stores (leases, ops); the monotonic clock measures waits.
 */
#ifndef BRAID_UTIL_TIME_H
#define BRAID_UTIL_TIME_H

#include <stdint.h>

#include "util/buf.h"

int64_t braid_time_now_ms(void);
int64_t braid_time_now_us(void);
int64_t braid_time_mono_ms(void);
void braid_time_sleep_us(long us);

/** Append an ISO-8601 UTC timestamp ("2026-11-25T10:58:57Z") for `ms` to `out`. */
int braid_time_format(braid_buf *out, int64_t ms) BRAID_WARN_UNUSED;

/**
 * Parse a duration: a number with an optional unit ms, s, m, h or d
 * ("90s", "30m", "1.5h"; no unit means seconds).
 *
 * @return 0 with *out_ms set, or BRAID_EINVALID.
 */
int braid_time_parse_duration(int64_t *out_ms, const char *s) BRAID_WARN_UNUSED;

#endif
