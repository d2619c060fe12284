/* The small parts of the Internal Core API: memory helpers, time, random, panic, trace, properties. */
#define _GNU_SOURCE
#include "teesim_ta.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <tee_internal_api_extensions.h>

void *TEE_MemMove(void *dest, const void *src, uint32_t size)
{
	return memmove(dest, src, size);
}

void *TEE_MemFill(void *buff, uint32_t x, uint32_t size)
{
	return memset(buff, (int)(uint8_t)x, size);
}

/* Constant time, as OP-TEE's (it answers only equal or not, with the sign of the first difference
 * not promised either way; callers test against 0). */
int32_t TEE_MemCompare(const void *buffer1, const void *buffer2, uint32_t size)
{
	return sodium_memcmp(buffer1, buffer2, size) == 0 ? 0 : 1;
}

void teesim_panic_msg(TEE_Result code, const char *why)
{
	fprintf(stderr, "teesim: TA panic 0x%08x%s%s\n", code, why ? ": " : "", why ? why : "");
	/* _exit: no atexit handlers, no flushing of the TA's state, as a panicked TA just stops. */
	_exit(TEESIM_PANIC_STATUS);
}

void TEE_Panic(TEE_Result panicCode)
{
	teesim_panic_msg(panicCode, "TEE_Panic");
}

static void to_tee_time(const struct timespec *ts, TEE_Time *time)
{
	time->seconds = (uint32_t)ts->tv_sec;
	time->millis = (uint32_t)(ts->tv_nsec / 1000000);
}

/* OP-TEE counts from boot (the ARM counter): the monotonic clock is the same kind of time. */
void TEE_GetSystemTime(TEE_Time *time)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	to_tee_time(&ts, time);
}

void TEE_GetREETime(TEE_Time *time)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	to_tee_time(&ts, time);
}

/* Not cancellable here (TEEC_RequestCancellation is a no-op in teesim). */
TEE_Result TEE_Wait(uint32_t timeout)
{
	struct timespec ts = { .tv_sec = timeout / 1000, .tv_nsec = (long)(timeout % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
	return TEE_SUCCESS;
}

void TEE_GenerateRandom(void *randomBuffer, uint32_t randomBufferLen)
{
	randombytes_buf(randomBuffer, randomBufferLen);
}

/* OP-TEE checks the TA's own mappings; teesim cannot tell a TA's private memory from the rest of the
 * process, but it knows the shared memory: a range in it needs TEE_MEMORY_ACCESS_ANY_OWNER, as there. */
TEE_Result TEE_CheckMemoryAccessRights(uint32_t accessFlags, void *buffer, uint32_t size)
{
	if (size && !buffer)
		return TEE_ERROR_ACCESS_DENIED;
	if (teesim_runner_range_is_shared(buffer, size) && !(accessFlags & TEE_MEMORY_ACCESS_ANY_OWNER))
		return TEE_ERROR_ACCESS_DENIED;
	if ((accessFlags & TEE_MEMORY_ACCESS_SECURE) && teesim_runner_range_is_shared(buffer, size))
		return TEE_ERROR_ACCESS_DENIED;
	return TEE_SUCCESS;
}

size_t teesim_ta_data_size(void)
{
	const char *text = getenv("TEESIM_TA_HEAP_BYTES");
	char *end = NULL;
	const unsigned long long asked = text && *text ? strtoull(text, &end, 0) : 0;
	if (asked > 0 && end && *end == '\0' && asked < teesim_ta_props.data_size)
		return (size_t)asked;
	return teesim_ta_props.data_size;
}

/* The TA's own properties (gpd.ta.*), as OP-TEE derives them from user_ta_header_defines.h. */
TEE_Result TEE_GetPropertyAsU32(TEE_PropSetHandle propsetOrEnumerator, const char *name, uint32_t *value)
{
	if (propsetOrEnumerator != TEE_PROPSET_CURRENT_TA || !name || !value)
		return TEE_ERROR_ITEM_NOT_FOUND;
	if (strcmp(name, "gpd.ta.dataSize") == 0)
		*value = (uint32_t)teesim_ta_data_size();
	else if (strcmp(name, "gpd.ta.stackSize") == 0)
		*value = (uint32_t)teesim_ta_props.stack_size;
	else
		return TEE_ERROR_ITEM_NOT_FOUND;
	return TEE_SUCCESS;
}

TEE_Result TEE_GetPropertyAsUUID(TEE_PropSetHandle propsetOrEnumerator, const char *name, TEE_UUID *value)
{
	if (propsetOrEnumerator != TEE_PROPSET_CURRENT_TA || !name || !value ||
	    strcmp(name, "gpd.ta.appID") != 0)
		return TEE_ERROR_ITEM_NOT_FOUND;
	*value = teesim_ta_props.uuid;
	return TEE_SUCCESS;
}

/* trace.h's EMSG/IMSG/DMSG land here. TEESIM_TA_LOG_LEVEL (default 1: errors) plays CFG_TEE_TA_LOG_LEVEL. */
int trace_level = TRACE_ERROR;
const char trace_ext_prefix[] = "TA";
static int log_level = -1;

int trace_get_level(void)
{
	if (log_level < 0) {
		const char *s = getenv("TEESIM_TA_LOG_LEVEL");
		log_level = s ? atoi(s) : TRACE_ERROR;
	}
	return log_level;
}

void trace_set_level(int level)
{
	log_level = level;
}

void trace_ext_puts(const char *str)
{
	fputs(str, stderr);
}

int trace_ext_get_thread_id(void)
{
	return -1;
}

void trace_vprintf(const char *func, int line, int level, bool level_ok, const char *fmt, va_list ap)
{
	if (level_ok && level > trace_get_level())
		return;
	fprintf(stderr, "teesim TA %s:%d: ", func ? func : "?", line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void trace_printf(const char *func, int line, int level, bool level_ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	trace_vprintf(func, line, level, level_ok, fmt, ap);
	va_end(ap);
}
