/*
 * One connection to the executive: the socket named by $AIS_IPC_SOCKET
 * ("@name" = Linux abstract name, else a filesystem path; default
 * AIS_IPC_SOCKET_DEFAULT) and the AIS_MSG_CONNECT handshake of ipc_wire.h.
 *
 * Errors (as saXxxInitialize returns them):
 *   SA_AIS_ERR_TRY_AGAIN     no executive listening (ECONNREFUSED, ENOENT),
 *                            its backlog full (EAGAIN), or it closed the
 *                            connection / did not answer the handshake within
 *                            SA_DEFAULT_TIMEOUT (it is starting or stopping);
 *   SA_AIS_ERR_ACCESS        the executive refused our credentials, or the
 *                            socket file is not accessible to us;
 *   SA_AIS_ERR_NO_RESOURCES  out of file descriptors;
 *   SA_AIS_ERR_NO_MEMORY, SA_AIS_ERR_VERSION (as the executive answers);
 *   SA_AIS_ERR_LIBRARY       anything else (bad socket name, protocol error).
 */
#ifndef AIS_LIBSA_CONN_H
#define AIS_LIBSA_CONN_H

#include <stdint.h>

#include <saAis.h>

/* Connects and performs the handshake.  conn_type AIS_CONN_REQUEST: *conn_id
 * and *secret are outputs.  AIS_CONN_DISPATCH: they are the request
 * connection's values, sent to the executive.  On SA_AIS_OK *fd is a
 * connected, close-on-exec, non-blocking stream socket. */
SaAisErrorT sa_conn_open(uint32_t service, uint32_t conn_type,
	uint64_t *conn_id, uint64_t *secret, int *fd);

#endif
