/* What the agent's engine (agent_engine.c) offers besides the app's engine hooks (firmware/stm32/app/engine.h). */
#ifndef RTINFER_AGENT_ENGINE_H
#define RTINFER_AGENT_ENGINE_H

/* The TA died: agent_tee_revive(), then the active slot loaded into the new TA instance. 0, or -1. */
int agent_engine_recover(void);

#endif
