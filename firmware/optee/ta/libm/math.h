/* The few <math.h> names firmware/nn uses, for the OP-TEE TA build only (sub.mk puts this folder on the include
 * path). OP-TEE's TA libraries have no libm and its TA build passes -nostdinc, so there is no <math.h> at all;
 * teesim and the boards use their C library's. Add a name here only when firmware/nn starts using it. */
#ifndef RTINFER_TA_LIBM_MATH_H
#define RTINFER_TA_LIBM_MATH_H

#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))

/* ta_libm.c: within one rounding of the exact value (computed in double, rounded once to float). */
float expf(float x);

#endif
