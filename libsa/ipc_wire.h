/*
 * The one definition of the IPC wire format between the client libraries
 * (libsa/) and the executive (executive/aisexec/wire.py).
 *
 * This file is read twice:
 *   - by C, through libsa/ipc.h, which includes <stdint.h> first;
 *   - by the executive, through cffi's cdef (ABI mode), which computes the
 *     same layouts.  So this file may contain only what cdef understands:
 *     no #include, no #if, no include guard, no macros with expressions;
 *     "#define NAME <integer literal>" is fine.  Comments are fine.
 *
 * Framing: a Unix stream socket carries frames.  Every frame starts with
 * struct ais_ipc_header; `size` is the whole frame including the header.
 * A frame shorter than the header, longer than AIS_IPC_MAX_FRAME, of an
 * unknown id or of the wrong size for its id is malformed: the executive
 * logs it and closes that connection only.
 *
 * Connections: every library handle (saXxxInitialize) opens two connections.
 *   1. the request connection: sends AIS_MSG_CONNECT with conn_type
 *      AIS_CONN_REQUEST; the executive answers with a conn_id and a secret.
 *      After that every request frame gets exactly one response frame with
 *      id | AIS_MSG_RESPONSE and the request's context echoed back.
 *   2. the dispatch connection: sends AIS_MSG_CONNECT with conn_type
 *      AIS_CONN_DISPATCH, the conn_id and the secret of (1).  The executive
 *      answers once, then sends only callback frames (context 0).  Its file
 *      descriptor is the handle's selection object: it is readable exactly
 *      when a callback is pending.
 * The executive checks the peer credentials at connect time: root or a
 * member of group "ais" is accepted; anyone else gets a CONNECT response
 * with error SA_AIS_ERR_ACCESS (11) and the connection is closed.
 *
 * Error values in `error` are SaAisErrorT values (SA_AIS_OK == 1).
 * Integers are in host byte order: both ends are on the same machine.
 */

/* ---- limits and common values -------------------------------------- */

#define AIS_IPC_MAX_FRAME 67108864
#define AIS_IPC_VERSION 1

/* message ids: (service << 16) | function; responses add AIS_MSG_RESPONSE */
#define AIS_MSG_RESPONSE 32768

#define AIS_SERVICE_IPC 0
#define AIS_SERVICE_CLM 1
#define AIS_SERVICE_EVS 2
#define AIS_SERVICE_CKPT 3
#define AIS_SERVICE_EVT 4
#define AIS_SERVICE_LCK 5
#define AIS_SERVICE_MSG 6
#define AIS_SERVICE_AMF 7

#define AIS_CONN_REQUEST 1
#define AIS_CONN_DISPATCH 2

struct ais_ipc_header {
	uint32_t size;		/* whole frame, header included */
	uint32_t id;		/* message id */
	int32_t error;		/* responses and callbacks: SaAisErrorT; requests: 0 */
	uint32_t flags;		/* requests: AIS_IPC_FLAG_*; otherwise 0 */
	uint64_t context;	/* request: caller's sequence, echoed in the response */
};

/*
 * A request the library does not wait for (only where a service allows it:
 * EVS multicasts).  It gets no response: the executive must take it, and if
 * the cluster cannot take it yet, it keeps it and reads no further requests
 * of that connection until it could, so the socket fills and the library
 * sees no room for the next one (SA_AIS_ERR_TRY_AGAIN, nothing sent).  Any
 * error in such a request closes the connection.
 */
#define AIS_IPC_FLAG_NOREPLY 1
/* largest frame a library sends without waiting (larger ones wait for the answer) */
#define AIS_IPC_NOREPLY_MAX 73728

/* An SaNameT on the wire (same layout as SaNameT). */
struct ais_wire_name {
	uint16_t length;
	uint8_t value[256];
};

/* ---- service 0: connection setup ------------------------------------ */

#define AIS_MSG_CONNECT 1

struct ais_req_connect {
	struct ais_ipc_header header;
	uint32_t ipc_version;	/* AIS_IPC_VERSION */
	uint32_t service;	/* AIS_SERVICE_* */
	uint32_t conn_type;	/* AIS_CONN_REQUEST or AIS_CONN_DISPATCH */
	uint32_t reserved;
	uint64_t conn_id;	/* dispatch: conn_id of the request connection */
	uint64_t secret;	/* dispatch: secret of the request connection */
};

struct ais_res_connect {
	struct ais_ipc_header header;
	uint64_t conn_id;
	uint64_t secret;
};

/* ---- service 1: Cluster Membership (CLM) ---------------------------- */

#define AIS_CLM_NODE_GET 65537
#define AIS_CLM_NODE_GET_ASYNC 65538
#define AIS_CLM_TRACK 65539
#define AIS_CLM_TRACK_STOP 65540
/* callbacks (dispatch connection) */
#define AIS_CLM_CB_NODE_GET 65600
#define AIS_CLM_CB_TRACK 65601

/* SaClmClusterNodeT, field by field */
struct ais_clm_node {
	uint32_t node_id;
	uint32_t addr_family;	/* SaClmNodeAddressFamilyT */
	uint16_t addr_length;
	uint8_t addr_value[64];
	struct ais_wire_name node_name;
	uint32_t member;	/* SaBoolT */
	int64_t boot_timestamp;	/* SaTimeT, ns since the epoch */
	uint64_t initial_view_number;
};

/* SaClmClusterNotificationT */
struct ais_clm_notification {
	struct ais_clm_node node;
	uint32_t cluster_change;	/* SaClmClusterChangesT */
	uint32_t reserved;
};

struct ais_req_clm_node_get {
	struct ais_ipc_header header;
	uint32_t node_id;	/* SA_CLM_LOCAL_NODE_ID allowed */
	uint32_t reserved;
};

struct ais_res_clm_node_get {
	struct ais_ipc_header header;
	struct ais_clm_node node;
};

struct ais_req_clm_node_get_async {
	struct ais_ipc_header header;
	uint64_t invocation;
	uint32_t node_id;
	uint32_t reserved;
};

/* response: a bare struct ais_ipc_header (error only) */

struct ais_cb_clm_node_get {
	struct ais_ipc_header header;	/* header.error: the callback's error */
	uint64_t invocation;
	struct ais_clm_node node;
};

#define AIS_CLM_TRACK_SYNC_CURRENT 1	/* answer CURRENT in the response */

/*
 * With AIS_CLM_TRACK_SYNC_CURRENT, max_items is the capacity of the caller's
 * notification buffer (0: the library allocates one, no limit).  If the view
 * has more members, the executive answers SA_AIS_ERR_NO_SPACE with a
 * struct ais_clm_track_view without items whose number_of_members is the
 * count needed, and starts no tracking.
 */
struct ais_req_clm_track {
	struct ais_ipc_header header;
	uint32_t track_flags;	/* SA_TRACK_* as the application gave them */
	uint32_t options;	/* AIS_CLM_TRACK_SYNC_CURRENT or 0 */
	uint32_t max_items;
	uint32_t reserved;
};

/*
 * Response to AIS_CLM_TRACK with AIS_CLM_TRACK_SYNC_CURRENT, and the body of
 * every track callback: a view followed by number_of_items notifications.
 */
struct ais_clm_track_view {
	struct ais_ipc_header header;	/* callback: header.error is the callback's error */
	uint64_t view_number;
	uint32_t number_of_items;
	uint32_t number_of_members;
	struct ais_clm_notification items[];
};

/* AIS_CLM_TRACK_STOP: request and response are a bare struct ais_ipc_header */

/* ---- service 3: Checkpoint (CKPT) ----------------------------------- */
/*
 * Library <-> executive requests.  A checkpoint opened by a library is named
 * on the wire by its open_id (the executive's name for that one opener,
 * unique in the cluster); the library keeps it in its checkpoint handle.
 * Variable parts (section ids, data) follow the fixed struct, each padded
 * to a multiple of 8 bytes (AIS_CKPT_PAD).
 *
 * The same structs travel between executives: a cluster message of the
 * checkpoint service is a struct ais_ckpt_x_header followed either by the
 * library's request frame as it came (type AIS_CKPT_X_REQUEST), or by the
 * struct of its type below.  So there is one layout of every message.
 */

#define AIS_CKPT_PAD 8

#define AIS_CKPT_OPEN 196609
#define AIS_CKPT_CLOSE 196610
#define AIS_CKPT_UNLINK 196611
#define AIS_CKPT_RETENTION_SET 196612
#define AIS_CKPT_ACTIVE_REPLICA_SET 196613
#define AIS_CKPT_STATUS_GET 196614
#define AIS_CKPT_SECTION_CREATE 196615
#define AIS_CKPT_SECTION_DELETE 196616
#define AIS_CKPT_EXPIRATION_SET 196617
#define AIS_CKPT_ITER_INIT 196618
#define AIS_CKPT_WRITE 196619
#define AIS_CKPT_OVERWRITE 196620
#define AIS_CKPT_READ 196621
#define AIS_CKPT_SYNCHRONIZE 196622
/* callbacks (dispatch connection) */
#define AIS_CKPT_CB_OPEN 196672
#define AIS_CKPT_CB_SYNCHRONIZE 196673

/* SaCkptCheckpointCreationAttributesT, field by field */
struct ais_ckpt_attrs {
	uint32_t creation_flags;
	uint32_t max_sections;
	uint64_t checkpoint_size;
	int64_t retention_duration;
	uint64_t max_section_size;
	uint64_t max_section_id_size;
};

#define AIS_CKPT_OPEN_ASYNC 1	/* ais_req_ckpt_open.options: answer by callback */

/* response: struct ais_res_ckpt_open; async: a bare header now, then
 * struct ais_cb_ckpt_open on the dispatch connection */
struct ais_req_ckpt_open {
	struct ais_ipc_header header;
	struct ais_wire_name name;
	uint16_t reserved1;
	uint32_t open_flags;		/* SaCkptCheckpointOpenFlagsT */
	uint32_t attrs_set;		/* 1: attrs are given (SA_CKPT_CHECKPOINT_CREATE) */
	uint32_t options;		/* AIS_CKPT_OPEN_ASYNC or 0 */
	uint32_t reserved2;
	struct ais_ckpt_attrs attrs;
	uint64_t invocation;		/* async */
	uint64_t handle;		/* async: the SaCkptCheckpointHandleT, echoed */
};

struct ais_res_ckpt_open {
	struct ais_ipc_header header;
	uint64_t open_id;
	uint64_t ckpt_id;
};

struct ais_cb_ckpt_open {
	struct ais_ipc_header header;	/* header.error: the open's result */
	uint64_t invocation;
	uint64_t handle;
	uint64_t open_id;
	uint64_t ckpt_id;
};

/* AIS_CKPT_CLOSE, AIS_CKPT_ACTIVE_REPLICA_SET, AIS_CKPT_STATUS_GET: this
 * request; close and active-replica-set answer a bare header */
struct ais_req_ckpt_opened {
	struct ais_ipc_header header;
	uint64_t open_id;
};

/* AIS_CKPT_UNLINK; response: a bare header */
struct ais_req_ckpt_unlink {
	struct ais_ipc_header header;
	struct ais_wire_name name;
	uint16_t reserved1;
	uint32_t reserved2;
};

/* AIS_CKPT_RETENTION_SET; response: a bare header */
struct ais_req_ckpt_retention_set {
	struct ais_ipc_header header;
	uint64_t open_id;
	int64_t retention_duration;
};

/* AIS_CKPT_STATUS_GET response (SaCkptCheckpointDescriptorT) */
struct ais_res_ckpt_status {
	struct ais_ipc_header header;
	struct ais_ckpt_attrs attrs;
	uint32_t number_of_sections;
	uint32_t memory_used;
};

#define AIS_CKPT_SECTION_GENERATED 1	/* ais_req_ckpt_section_create.options */

/* AIS_CKPT_SECTION_CREATE: then id_len bytes of id (padded), then
 * data_size bytes of initial data (padded).  Response:
 * struct ais_res_ckpt_section_create, then id_len bytes of the id created. */
struct ais_req_ckpt_section_create {
	struct ais_ipc_header header;
	uint64_t open_id;
	int64_t expiration_time;
	uint64_t data_size;
	uint32_t id_len;
	uint32_t options;		/* AIS_CKPT_SECTION_GENERATED: id_len is 0 */
};

struct ais_res_ckpt_section_create {
	struct ais_ipc_header header;
	uint32_t id_len;
	uint32_t reserved;
};

/* AIS_CKPT_SECTION_DELETE and AIS_CKPT_EXPIRATION_SET: then id_len bytes of
 * id (padded).  Response: a bare header. */
struct ais_req_ckpt_section {
	struct ais_ipc_header header;
	uint64_t open_id;
	int64_t expiration_time;	/* AIS_CKPT_EXPIRATION_SET only */
	uint32_t id_len;
	uint32_t reserved;
};

/* AIS_CKPT_ITER_INIT.  Response: struct ais_res_ckpt_iter, then `count`
 * times a struct ais_ckpt_section_desc followed by its id (padded). */
struct ais_req_ckpt_iter {
	struct ais_ipc_header header;
	uint64_t open_id;
	int64_t expiration_time;
	uint32_t sections_chosen;	/* SaCkptSectionsChosenT */
	uint32_t reserved;
};

struct ais_res_ckpt_iter {
	struct ais_ipc_header header;
	uint32_t count;
	uint32_t reserved;
};

struct ais_ckpt_section_desc {
	int64_t expiration_time;
	int64_t last_update;
	uint64_t section_size;
	uint32_t section_state;		/* SaCkptSectionStateT */
	uint32_t id_len;
};

/* One element of a write or read vector.  Write: followed by id_len bytes
 * of id (padded), then data_size bytes of data (padded).  Read: followed by
 * the id (padded); data_size is the most to read, or with AIS_CKPT_IO_TO_END
 * in flags everything up to the end of the section. */
#define AIS_CKPT_IO_TO_END 1

struct ais_ckpt_io {
	uint64_t data_offset;
	uint64_t data_size;
	uint32_t id_len;
	uint32_t flags;
};

/* AIS_CKPT_WRITE and AIS_CKPT_READ: then `count` elements.  Write
 * response: struct ais_res_ckpt_io.  Read response: struct ais_res_ckpt_io,
 * then `count` uint64_t read sizes, then the data of each element (padded),
 * for the elements before error_index. */
struct ais_req_ckpt_io {
	struct ais_ipc_header header;
	uint64_t open_id;
	uint32_t count;
	uint32_t reserved;
};

struct ais_res_ckpt_io {
	struct ais_ipc_header header;
	uint32_t error_index;	/* the failed element when header.error != SA_AIS_OK */
	uint32_t count;		/* read: elements answered */
};

/* AIS_CKPT_OVERWRITE: then id_len bytes of id (padded), then data_size
 * bytes (padded).  Response: a bare header. */
struct ais_req_ckpt_overwrite {
	struct ais_ipc_header header;
	uint64_t open_id;
	uint64_t data_size;
	uint32_t id_len;
	uint32_t reserved;
};

#define AIS_CKPT_SYNC_ASYNC 1	/* ais_req_ckpt_synchronize.options */

/* AIS_CKPT_SYNCHRONIZE; response: a bare header (async: at once, then
 * struct ais_cb_ckpt_synchronize on the dispatch connection) */
struct ais_req_ckpt_synchronize {
	struct ais_ipc_header header;
	uint64_t open_id;
	uint64_t invocation;
	uint32_t options;
	uint32_t reserved;
};

struct ais_cb_ckpt_synchronize {
	struct ais_ipc_header header;	/* header.error: the synchronization's result */
	uint64_t invocation;
};

/* ---- CKPT cluster messages (executive <-> executive) ----------------- */

#define AIS_CKPT_X_REQUEST 1		/* a library request frame follows */
#define AIS_CKPT_X_CONN_EXIT 2		/* a library connection closed: close its openers */
#define AIS_CKPT_X_RETENTION_EXPIRE 3	/* struct ais_ckpt_x_retention_expire */
#define AIS_CKPT_X_SECTION_EXPIRE 4	/* struct ais_ckpt_x_section_expire + id */
#define AIS_CKPT_X_SYNC_HELLO 5		/* struct ais_ckpt_x_sync_hello */
#define AIS_CKPT_X_SYNC_CKPT 6		/* struct ais_ckpt_x_sync_ckpt + openers + sections */
#define AIS_CKPT_X_SYNC_DONE 7		/* struct ais_ckpt_x_sync_done */
#define AIS_CKPT_X_FRAGMENT 8		/* struct ais_ckpt_x_fragment + a piece of a message */

/* A cluster message longer than AIS_CKPT_X_FRAGMENT_SIZE travels in pieces
 * (the ring carries messages of bounded size); the pieces of one sender
 * arrive in order, and the whole message takes effect where its last piece
 * is delivered. */
#define AIS_CKPT_X_FRAGMENT_SIZE 262144

/*
 * Every cluster message starts with this.  Times that matter to the
 * replicated state travel here, stamped by the originator: delivery
 * handlers never read a clock.
 */
struct ais_ckpt_x_header {
	uint32_t type;		/* AIS_CKPT_X_* */
	uint32_t reserved;
	uint64_t conn_id;	/* the originating library connection, or 0 */
	uint64_t new_id;	/* open: the new open_id; create: the new ckpt_id */
	int64_t now;		/* the originator's clock (ns since the epoch) */
};

struct ais_ckpt_x_retention_expire {
	uint64_t ckpt_id;
	int64_t deadline;	/* the deadline that fired: stale ones are ignored */
};

struct ais_ckpt_x_section_expire {
	uint64_t ckpt_id;
	int64_t expiration_time;
	uint32_t id_len;
	uint32_t reserved;
};

/* Sync: every member says hello with a digest of its replica; members of
 * one digest are identical, and the lowest node id of each digest sends
 * its replica: SYNC_CKPT per checkpoint, then SYNC_DONE. */
struct ais_ckpt_x_sync_hello {
	uint64_t ring_seq;
	uint8_t digest[32];
	uint32_t ckpt_count;
	uint32_t reserved;
};

struct ais_ckpt_x_sync_done {
	uint64_t ring_seq;
	uint32_t ckpt_count;
	uint32_t reserved;
};

/* then opener_count struct ais_ckpt_x_opener, then section_count times
 * (struct ais_ckpt_section_desc, id padded, data padded) */
struct ais_ckpt_x_sync_ckpt {
	uint64_t ring_seq;
	uint64_t ckpt_id;
	struct ais_wire_name name;
	uint16_t reserved1;
	uint32_t unlinked;
	struct ais_ckpt_attrs attrs;
	int64_t retention_deadline;	/* SA_TIME_END: not running */
	uint64_t next_generated;
	uint32_t active_node;		/* 0: none */
	uint32_t opener_count;
	uint32_t section_count;
	uint32_t reserved2;
};

struct ais_ckpt_x_opener {
	uint64_t open_id;
	uint64_t conn_id;
	uint32_t node;
	uint32_t open_flags;
};

struct ais_ckpt_x_fragment {
	uint32_t index;		/* 0 .. count-1 */
	uint32_t count;
	uint64_t total;		/* bytes of the whole message */
};

/* ---- service 2: Extended Virtual Synchrony (EVS, libevs) ------------ */
/*
 * The openais EVS API (include/evs/evs.h).  Errors on the wire are
 * SaAisErrorT values like every other service's; the library turns them
 * into evs_error_t (same numbers), except AIS_EVS_ERR_TOO_MANY_GROUPS.
 *
 * A group is 32 bytes compared as they are (struct evs_group).  A handle
 * joins at most AIS_EVS_MAX_GROUPS distinct groups (joining one it already
 * has counts it twice: it stays joined until left as often); a message is
 * multicast to at most AIS_EVS_MAX_GROUPS groups and carries at most
 * AIS_EVS_MAX_MSG bytes.  Every variable part's length is checked against
 * the frame size; a mismatch is a malformed frame.
 */

#define AIS_EVS_JOIN 131073
#define AIS_EVS_LEAVE 131074
#define AIS_EVS_MCAST_JOINED 131075
#define AIS_EVS_MCAST_GROUPS 131076
#define AIS_EVS_MEMBERSHIP_GET 131077
/* callbacks (dispatch connection) */
#define AIS_EVS_CB_DELIVER 131136
#define AIS_EVS_CB_CONFCHG 131137

#define AIS_EVS_GROUP_LEN 32
#define AIS_EVS_MAX_GROUPS 50
/* 1 MiB - 2 KiB: with 50 groups and its headers (1640 bytes) an EVS cluster
 * message stays within the ring's largest application message, 1 MiB
 * (TC_MSG_SIZE_MAX, executive/totem/totem_core.h). */
#define AIS_EVS_MAX_MSG 1046528
/* EVS_ERR_TOO_MANY_GROUPS (30) is no SaAisErrorT: it travels as
 * SA_AIS_ERR_NO_RESOURCES, which no EVS request answers otherwise. */
#define AIS_EVS_ERR_TOO_MANY_GROUPS 18

struct ais_evs_group {
	uint8_t key[32];	/* struct evs_group */
};

/* AIS_EVS_JOIN and AIS_EVS_LEAVE; the response is a bare header. */
struct ais_req_evs_groups {
	struct ais_ipc_header header;
	uint32_t group_entries;
	uint32_t reserved;
	struct ais_evs_group groups[];	/* group_entries */
};

/* The response to both multicasts is a bare header, sent once the message
 * is queued for the cluster (SA_AIS_ERR_TRY_AGAIN when the cluster refuses
 * it for now); delivery comes later, as a callback. */
struct ais_req_evs_mcast_joined {
	struct ais_ipc_header header;
	uint32_t guarantee;	/* evs_guarantee_t */
	uint32_t msg_len;
	uint8_t msg[];		/* msg_len */
};

struct ais_req_evs_mcast_groups {
	struct ais_ipc_header header;
	uint32_t guarantee;	/* evs_guarantee_t */
	uint32_t msg_len;
	uint32_t group_entries;
	uint32_t reserved;
	struct ais_evs_group groups[];	/* group_entries, then msg_len bytes */
};

/* AIS_EVS_MEMBERSHIP_GET: the request is a bare header. */
struct ais_res_evs_membership_get {
	struct ais_ipc_header header;
	uint32_t local_nodeid;
	uint32_t member_list_entries;
	uint32_t member_list[];	/* member_list_entries */
};

struct ais_cb_evs_deliver {
	struct ais_ipc_header header;
	uint32_t nodeid;	/* the sender's node */
	uint32_t msg_len;
	uint8_t msg[];		/* msg_len */
};

struct ais_cb_evs_confchg {
	struct ais_ipc_header header;
	uint32_t member_list_entries;
	uint32_t left_list_entries;
	uint32_t joined_list_entries;
	uint32_t reserved;
	uint32_t nodes[];	/* the members, then those left, then those joined */
};

/*
 * EVS cluster message (executive <-> executive, service AIS_SERVICE_EVS):
 * the groups, then the deliver callback frame ready to be forwarded as it
 * is (a struct ais_cb_evs_deliver whose header.size covers the rest of the
 * message, header.id AIS_EVS_CB_DELIVER, error SA_AIS_OK, context 0, nodeid
 * the originating node).  Every node checks all of it on delivery and drops
 * (and logs) a message that does not add up.
 */
#define AIS_EVS_X_MCAST 1

struct ais_evs_x_mcast {
	uint32_t type;		/* AIS_EVS_X_MCAST */
	uint32_t group_entries;	/* 1 .. AIS_EVS_MAX_GROUPS */
	struct ais_evs_group groups[];	/* then struct ais_cb_evs_deliver + msg */
};
