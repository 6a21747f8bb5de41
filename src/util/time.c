/* time.c: clocks, sleeping, timestamp formatting and duration parsing. */
#include "common.h"
#include "util/time.h"

#include <time.h>

int64_t braid_time_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t braid_time_now_ms(void)
{
	return braid_time_now_us() / 1000;
}

int64_t braid_time_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void braid_time_sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int braid_time_format(braid_buf *out, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char tmp[32];

	if (!gmtime_r(&t, &tm))
		return braid_error_set(BRAID_EINVALID, "time out of range");
	if (!strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return braid_error_set(BRAID_EINVALID, "time out of range");
	return braid_buf_puts(out, tmp);
}

int braid_time_parse_duration(int64_t *out_ms, const char *s)
{
	char *end;
	double v, mult = 1000;

	if (!s || !*s)
		return braid_error_set(BRAID_EINVALID, "empty duration");
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return braid_error_set(BRAID_EINVALID,
		                       "bad duration '%s'; use e.g. 90s, 30m, 2h or 1d", s);
	if (!strcmp(end, "ms"))
		mult = 1;
	else if (!*end || !strcmp(end, "s"))
		mult = 1000;
	else if (!strcmp(end, "m"))
		mult = 60000;
	else if (!strcmp(end, "h"))
		mult = 3600000;
	else if (!strcmp(end, "d"))
		mult = 86400000;
	else
		return braid_error_set(BRAID_EINVALID,
		                       "bad duration unit in '%s'; use ms, s, m, h or d", s);
	if (v * mult > 365.0 * 86400000)
		return braid_error_set(BRAID_EINVALID, "duration '%s' is longer than a year", s);
	*out_ms = (int64_t)(v * mult);
	return 0;
}
