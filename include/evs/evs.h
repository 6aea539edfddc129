/*
 * evs.h: the openais Extended Virtual Synchrony (EVS) client API.
 *
 * Ordered group messaging: a handle joins named groups; a message multicast
 * to some groups is delivered, in one agreed order on every node, to every
 * handle in the cluster that joined at least one of them.  Configuration
 * changes are delivered in the same order as the messages.
 *
 * Source- and binary-compatible with openais 0.80.x's <evs.h> on x86-64
 * (libevs.so.2, symbol version node OPENAIS_EVS_2.0): same types, enum
 * values, struct layouts and prototypes.  Written for this project; see
 * libsa/evs/README.md for the semantics in detail.
 */
#ifndef AIS_EVS_H
#define AIS_EVS_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t evs_handle_t;

typedef enum {
	EVS_DISPATCH_ONE = 0,		/* wait for one callback and run it */
	EVS_DISPATCH_ALL = 1,		/* run every pending callback, do not wait */
	EVS_DISPATCH_BLOCKING = 2	/* run callbacks until the handle is finalized */
} evs_dispatch_t;

/* Every message is delivered in agreed order, whatever the caller asks for. */
typedef enum {
	EVS_TYPE_UNORDERED = 0,
	EVS_TYPE_FIFO = 1,
	EVS_TYPE_AGREED = 2,
	EVS_TYPE_SAFE = 3
} evs_guarantee_t;

/* The values are those of the matching SaAisErrorT codes. */
typedef enum {
	EVS_OK = 1,
	EVS_ERR_LIBRARY = 2,
	EVS_ERR_TIMEOUT = 5,
	EVS_ERR_TRY_AGAIN = 6,
	EVS_ERR_INVALID_PARAM = 7,
	EVS_ERR_NO_MEMORY = 8,
	EVS_ERR_BAD_HANDLE = 9,
	EVS_ERR_ACCESS = 11,
	EVS_ERR_NOT_EXIST = 12,
	EVS_ERR_EXIST = 14,
	EVS_ERR_NOT_SUPPORTED = 20,
	EVS_ERR_SECURITY = 29,
	EVS_ERR_TOO_MANY_GROUPS = 30
} evs_error_t;

/* A group name: 32 bytes compared as they are (pad short names with NULs). */
struct evs_group {
	char key[32];
};

/* A message: the sender's node id, the bytes (library memory, valid only
 * during the callback) and their count. */
typedef void (*evs_deliver_fn_t)(
	unsigned int nodeid,
	void *msg,
	int msg_len);

/* A configuration: its members, the nodes that left and those that joined
 * since the previous one (node ids; library memory valid only during the
 * callback). */
typedef void (*evs_confchg_fn_t)(
	unsigned int *member_list, int member_list_entries,
	unsigned int *left_list, int left_list_entries,
	unsigned int *joined_list, int joined_list_entries);

typedef struct {
	evs_deliver_fn_t evs_deliver_fn;
	evs_confchg_fn_t evs_confchg_fn;
} evs_callbacks_t;

/* Opens a handle; `callbacks` is copied. */
evs_error_t evs_initialize(
	evs_handle_t *handle,
	evs_callbacks_t *callbacks);

evs_error_t evs_finalize(
	evs_handle_t handle);

/* The descriptor to poll: readable while a callback is pending. */
evs_error_t evs_fd_get(
	evs_handle_t handle,
	int *fd);

evs_error_t evs_dispatch(
	evs_handle_t handle,
	evs_dispatch_t dispatch_types);

evs_error_t evs_join(
	evs_handle_t handle,
	struct evs_group *groups,
	int group_entries);

evs_error_t evs_leave(
	evs_handle_t handle,
	struct evs_group *groups,
	int group_entries);

/* Multicasts the concatenated iovec to every group the handle has joined. */
evs_error_t evs_mcast_joined(
	evs_handle_t handle,
	evs_guarantee_t guarantee,
	struct iovec *iovec,
	int iov_len);

/* Multicasts the concatenated iovec to the given groups (joined or not). */
evs_error_t evs_mcast_groups(
	evs_handle_t handle,
	evs_guarantee_t guarantee,
	struct evs_group *groups,
	int group_entries,
	struct iovec *iovec,
	int iov_len);

/* The local node id and the current members: *member_list_entries is the
 * capacity of member_list on input and the number stored on output. */
evs_error_t evs_membership_get(
	evs_handle_t handle,
	unsigned int *local_nodeid,
	unsigned int *member_list,
	unsigned int *member_list_entries);

#ifdef __cplusplus
}
#endif

#endif
