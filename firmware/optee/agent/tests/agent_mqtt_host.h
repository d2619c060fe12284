/* The host's MQTT side for the agent tests: a Mosquitto broker of the test's own, and a client on the device's
 * topics (SPEC §5) that agent_host.c drives as an agent_link. */
#ifndef RTINFER_AGENT_MQTT_HOST_H
#define RTINFER_AGENT_MQTT_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent_host.h"

/* Starts mosquitto on a free port of 127.0.0.1 with a config of its own in dir; 0, or -1. */
int mqtt_broker_start(const char *dir, int *port, pid_t *pid);
void mqtt_broker_stop(pid_t pid);

/* Connects a client to the broker and subscribes to the device's up and status topics; the link for agent_proc. */
int mqtt_host_connect(int port, const char *device_id);
void mqtt_host_disconnect(void);
extern const agent_link agent_mqtt_link;

/* The last retained/live status payload seen within timeout_ms whose first entry (key 0) is `online`; its bytes
 * into buf. Returns the length, 0 if none came. */
size_t mqtt_host_status(int online, int timeout_ms, uint8_t *buf, size_t cap);

/* Publishes raw bytes on the device's down topic (a duplicate, a malformed payload). */
void mqtt_host_publish_down(const uint8_t *bytes, size_t len);

#endif
