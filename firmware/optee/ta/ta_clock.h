/*
 * The TA's fine clock: the one place where the TA leaves the GP Internal Core API. GP's TEE_GetSystemTime has
 * millisecond resolution (TEE_Time: seconds and millis), too coarse for one layer of a small model, so RUN's
 * per-unit times (RTINFER_TA_RUN_TIMES) come from here:
 *   - on teesim (a host process), clock_gettime(CLOCK_MONOTONIC);
 *   - on aarch64 against an OP-TEE built with CFG_FTRACE_SUPPORT (scripts/optee/build-os.sh builds it so; its dev
 *     kit then passes -DCFG_FTRACE_SUPPORT=1 to the TA), the generic timer's physical counter CNTPCT_EL0 at
 *     CNTFRQ_EL0 Hz: that option is the one with which OP-TEE 3.19 sets CNTKCTL_EL1.EL0PCTEN
 *     (core/arch/arm/kernel/thread.c), letting EL0 read both registers;
 *   - on aarch64 built with RTINFER_TA_USE_CNTVCT, the virtual counter CNTVCT_EL0 instead. Only for a secure
 *     kernel that sets CNTKCTL_EL1.EL0VCTEN: OP-TEE 3.19 never does, and the read traps ("User mode undef-abort",
 *     ESR EC 0x18, MRS CNTVCT_EL0; the TA panics; measured under QEMU with RTINFER_HIL_PI_TARGET=optee-qemu);
 *   - anywhere else (an OP-TEE without CFG_FTRACE_SUPPORT), TEE_GetSystemTime, and ta_clock_kind() says so: whole
 *     milliseconds, which the agent does not place inside an entry (SPEC §4.6).
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

#elif defined(__aarch64__) && (defined(CFG_FTRACE_SUPPORT) || defined(RTINFER_TA_USE_CNTVCT))

/* A generic timer count in ns; split so that count * 1e9 cannot overflow (the counter runs for years at tens of
 * MHz). */
static inline uint64_t ta_clock_count_ns(uint64_t count) {
  uint64_t hz;
  __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(hz));
  if (hz == 0) return 0;
  return (count / hz) * 1000000000u + ((count % hz) * 1000000000u) / hz;
}

#if defined(RTINFER_TA_USE_CNTVCT)
static inline uint64_t ta_clock_ns(void) {
  uint64_t count;
  __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(count)); /* isb: not read ahead of the code it times */
  return ta_clock_count_ns(count);
}
static inline uint32_t ta_clock_kind(void) { return RTINFER_TA_CLOCK_CNTVCT; }
#else
static inline uint64_t ta_clock_ns(void) {
  uint64_t count;
  __asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(count)); /* isb: not read ahead of the code it times */
  return ta_clock_count_ns(count);
}
static inline uint32_t ta_clock_kind(void) { return RTINFER_TA_CLOCK_CNTPCT; }
#endif

#else

static inline uint64_t ta_clock_ns(void) {
  TEE_Time time;
  TEE_GetSystemTime(&time);
  return (uint64_t)time.seconds * 1000000000u + (uint64_t)time.millis * 1000000u;
}
static inline uint32_t ta_clock_kind(void) { return RTINFER_TA_CLOCK_GP_MILLIS; }

#endif

#endif
