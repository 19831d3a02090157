/* mock_forward.h -- a TCP forwarder that gives the mock cluster a fixed
 * bootstrap address (`medstream kafka-mock --listen`).
 *
 * librdkafka's mock brokers listen on random 127.0.0.1 ports and cannot be
 * told otherwise. The forwarder listens on a chosen IPv4 HOST:PORT and
 * relays each connection byte for byte to the first mock broker, on a
 * thread of its own. Only bootstrap goes through it: metadata names the
 * brokers' own addresses, which clients then use directly (so clients must
 * run on the same host). */
#ifndef MS_MOCK_FORWARD_H
#define MS_MOCK_FORWARD_H

#include <stddef.h>

typedef struct ms_kafka_forwarder ms_kafka_forwarder;

/* Listen on listen_addr ("IPv4:PORT") and relay to the first "host:port" of
 * bootstraps; NULL with err set when the address is malformed or taken. */
ms_kafka_forwarder *ms_kafka_forwarder_start(const char *listen_addr, const char *bootstraps,
                                             char *err, size_t errlen);
/* Close the listener and every relayed connection, join the thread, free.
 * NULL is a no-op. */
void ms_kafka_forwarder_stop(ms_kafka_forwarder *f);

#endif
