/* expf for the OP-TEE TA (see math.h beside this file): softmax in firmware/nn needs it, and OP-TEE's TA
 * libraries have none. The inference must match the host reference (float32 expf from a C library), so this
 * is accurate rather than fast: the work is done in double and rounded to float once, which gives the
 * correctly rounded result except in rare near-halfway cases (then it is one ulp off, as libm's may be). */
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ln 2 split so that k * LN2_HI is exact for |k| < 2^20 (LN2_HI has its low 32 bits zero). */
static const double LN2_HI = 6.93147180369123816490e-01;
static const double LN2_LO = 1.90821492927058770002e-10;
static const double INV_LN2 = 1.44269504088896338700e+00;

/* 2^k as a double, for the k this file needs (-151 <= k <= 128, well inside double's normal range). */
static double pow2(int k)
{
	uint64_t bits = (uint64_t)(k + 1023) << 52;
	double value;

	memcpy(&value, &bits, sizeof(value));
	return value;
}

float expf(float x)
{
	double xd = x;
	double k_real;
	double r;
	double p;
	int k;

	if (__builtin_isnan(x))
		return x + x; /* NaN in, NaN out */
	if (x > 88.72283935546875f)
		return INFINITY; /* above log(FLT_MAX): overflows float */
	if (x < -103.97208404541015625f)
		return 0.0f; /* below log of the smallest subnormal / 2: rounds to zero */

	/* x = k ln2 + r with |r| <= ln2 / 2, so e^x = 2^k e^r. */
	k_real = xd * INV_LN2;
	k = (int)(k_real < 0 ? k_real - 0.5 : k_real + 0.5);
	r = (xd - k * LN2_HI) - k * LN2_LO;

	/* e^r by its Taylor series to r^12 / 12!: for |r| <= 0.347 the rest is below 1e-15 of the result,
	 * far under float's half ulp (3e-8). Horner form, highest term first. */
	p = 1.0 / 479001600.0;          /* 1/12! */
	p = p * r + 1.0 / 39916800.0;   /* 1/11! */
	p = p * r + 1.0 / 3628800.0;    /* 1/10! */
	p = p * r + 1.0 / 362880.0;     /* 1/9!  */
	p = p * r + 1.0 / 40320.0;      /* 1/8!  */
	p = p * r + 1.0 / 5040.0;       /* 1/7!  */
	p = p * r + 1.0 / 720.0;        /* 1/6!  */
	p = p * r + 1.0 / 120.0;        /* 1/5!  */
	p = p * r + 1.0 / 24.0;         /* 1/4!  */
	p = p * r + 1.0 / 6.0;          /* 1/3!  */
	p = p * r + 0.5;                /* 1/2!  */
	p = p * r + 1.0;
	p = p * r + 1.0;

	/* One rounding to float; results below FLT_MIN become subnormals here, as C requires. */
	return (float)(p * pow2(k));
}
