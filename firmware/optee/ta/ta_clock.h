/*
 * The TA's fine clock: the one place where the TA leaves the GP Internal Core API. GP's TEE_GetSystemTime has
 * millisecond resolution (TEE_Time: seconds and millis), too coarse for one layer of a small model, so RUN's
 * per-unit times (RTINFER_TA_RUN_TIMES) come from here:
 *   - on teesim (a host process), clock_gettime(CLOCK_MONOTONIC);
 *   - on aarch64 built with RTINFER_TA_USE_CNTVCT, the generic timer's virtual counter CNTVCT_EL0 at CNTFRQ_EL0
 *     Hz. Only for a secure kernel that lets EL0 read it (CNTKCTL_EL1.EL0VCTEN): OP-TEE 3.19 does not (it sets
 *     only EL0PCTEN, and only with CFG_FTRACE_SUPPORT), and the read traps: "User mode undef-abort", ESR EC 0x18
 *     (MRS CNTVCT_EL0), the TA panics. Measured under QEMU with RTINFER_HIL_PI_TARGET=optee-qemu;
 *   - anywhere else (OP-TEE 3.19 as built by scripts/build-optee.sh), TEE_GetSystemTime, and ta_clock_kind() says
 *     so: whole milliseconds, which the agent does not place inside an entry (SPEC §4.6).
 * Times are nanoseconds from an arbitrary origin, only ever subtracted within one RUN.
 */
#ifndef RTINFER_TA_CLOCK_H
#define RTINFER_TA_CLOCK_H

/* teesim builds with -std=c11: clock_gettime needs POSIX, declared before any libc header (include this first). */
#if defined(TEESIM) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdint.h>
#include <tee_internal_api.h>

#include "rtinfer_ta.h"

#if defined(TEESIM)
#include <time.h>

static inline uint64_t ta_clock_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}
static inline uint32_t ta_clock_kind(void) { return RTINFER_TA_CLOCK_MONOTONIC; }

#elif defined(__aarch64__) && defined(RTINFER_TA_USE_CNTVCT)

static inline uint64_t ta_clock_ns(void) {
  uint64_t count, hz;
  __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(count)); /* isb: not read ahead of the code it times */
  __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(hz));
  if (hz == 0) return 0;
  /* Split so that count * 1e9 cannot overflow (the counter runs for years at tens of MHz). */
  return (count / hz) * 1000000000u + ((count % hz) * 1000000000u) / hz;
}
static inline uint32_t ta_clock_kind(void) { return RTINFER_TA_CLOCK_CNTVCT; }

#else

static inline uint64_t ta_clock_ns(void) {
  TEE_Time time;
  TEE_GetSystemTime(&time);
  return (uint64_t)time.seconds * 1000000000u + (uint64_t)time.millis * 1000000u;
}
static inline uint32_t ta_clock_kind(void) { return RTINFER_TA_CLOCK_GP_MILLIS; }

#endif

#endif
