/* The world switch as a distribution: see agent_switch.h. */
#include "agent_switch.h"

#include <stdlib.h>

#include "agent_tee.h"

static uint64_t s_samples[AGENT_SWITCH_SAMPLES]; /* static: no malloc after init */

static int ascending(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank percentile: the smallest sample with at least `per_mille`/1000 of the samples at or below it. */
static uint64_t rank(const uint64_t *sorted, uint32_t count, uint32_t per_mille)
{
    uint64_t r = ((uint64_t)count * per_mille + 999u) / 1000u;
    if (r < 1u) {
        r = 1u;
    }
    return sorted[(r > count ? count : r) - 1u];
}

void agent_switch_summarise(uint64_t *samples, uint32_t count, uint64_t out[AGENT_SWITCH_FIELDS])
{
    out[AGENT_SWITCH_COUNT] = count;
    if (count == 0) {
        out[AGENT_SWITCH_MIN] = out[AGENT_SWITCH_P50] = out[AGENT_SWITCH_P90] = out[AGENT_SWITCH_P99] =
            out[AGENT_SWITCH_MAX] = 0;
        return;
    }
    qsort(samples, count, sizeof *samples, ascending);
    out[AGENT_SWITCH_MIN] = samples[0];
    out[AGENT_SWITCH_P50] = rank(samples, count, 500u);
    out[AGENT_SWITCH_P90] = rank(samples, count, 900u);
    out[AGENT_SWITCH_P99] = rank(samples, count, 990u);
    out[AGENT_SWITCH_MAX] = samples[count - 1u];
}

int agent_switch_measure(uint64_t out[AGENT_SWITCH_FIELDS])
{
    const int taken = agent_tee_empty_entries(s_samples, AGENT_SWITCH_SAMPLES, AGENT_SWITCH_BUDGET_NS);
    if (taken <= 0) {
        return -1;
    }
    agent_switch_summarise(s_samples, (uint32_t)taken, out);
    return 0;
}
