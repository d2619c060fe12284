/*
 * How the engine's pool is spent (engine.h): one definition of the arithmetic, shared by the firmware and
 * the host-side planner tool (firmware/tools/rtinfer_plan.c) behind `rtinfer fit`, so the host's answer to
 * "does this model fit that board" is the device's own.
 */
#ifndef RTINFER_APP_ENGINE_BUDGET_H
#define RTINFER_APP_ENGINE_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#define ENGINE_ALIGN 8u

static inline size_t engine_align(size_t n)
{
    return (n + ENGINE_ALIGN - 1u) & ~(size_t)(ENGINE_ALIGN - 1u);
}

/* Pool bytes for a model: its decoder's header scratch, its weights (dense or sparse arena), one input of
 * `input_count` floats, and the runtime's work buffer for one configuration. */
static inline size_t engine_pool_need(size_t header_scratch, size_t weights, uint32_t input_count, size_t work)
{
    return engine_align(header_scratch) + engine_align(weights) + engine_align((size_t)input_count * sizeof(float)) + work;
}

#endif
