/* The host's MQTT side for the agent tests: a Mosquitto broker of the test's own, and a client on the device's
 * topics (SPEC §5) that agent_host.c drives as an agent_link. */
#ifndef RTINFER_AGENT_MQTT_HOST_H
#define RTINFER_AGENT_MQTT_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent_host.h"

/* Starts mosquitto on a free port of 127.0.0.1 with a config of its own in dir; `extra` config lines (TLS,
 * passwords, ACL) replace `allow_anonymous true` when given. 0, or -1. */
int mqtt_broker_start(const char *dir, const char *extra, int *port, pid_t *pid);

/* A client's credentials: NULL fields for none. cafile: TLS with that CA pinned. */
typedef struct {
    const char *user, *password, *cafile;
} mqtt_auth;

/* A client of its own (another device, an anonymous one): connected and its CONNACK code (0 accepted), or -1
 * when the connection itself failed. It subscribes to `subscribe` and to its own down topic rtinfer/v1/dev/<id>/down:
 * received[0] counts messages on the former, received[1] on the latter (a marker the test sends after the fact),
 * received[2] the broker's acknowledgements of its own QoS 1 publishes. */
struct mosquitto;
int mqtt_client_open(struct mosquitto **client, int port, const char *id, const mqtt_auth *auth, const char *subscribe,
                     int received[3]);
void mqtt_client_close(struct mosquitto *client);
void mqtt_broker_stop(pid_t pid);

/* Connects a client to the broker and subscribes to the device's up and status topics; the link for agent_proc. */
int mqtt_host_connect(int port, const char *device_id, const mqtt_auth *auth);
void mqtt_host_disconnect(void);
extern const agent_link agent_mqtt_link;

/* The last retained/live status payload seen within timeout_ms whose first entry (key 0) is `online`; its bytes
 * into buf. Returns the length, 0 if none came. */
size_t mqtt_host_status(int online, int timeout_ms, uint8_t *buf, size_t cap);

/* Publishes raw bytes on the device's down topic (a duplicate, a malformed payload). */
void mqtt_host_publish_down(const uint8_t *bytes, size_t len);
/* Publishes on any topic, QoS 1, as the host. */
void mqtt_host_publish(const char *topic, const uint8_t *bytes, size_t len);

#endif
