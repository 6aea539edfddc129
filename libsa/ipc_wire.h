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
	uint32_t reserved;	/* 0 */
	uint64_t context;	/* request: caller's sequence, echoed in the response */
};

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
