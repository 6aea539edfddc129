/* CLM: saClmClusterNodeGet and saClmClusterNodeGetAsync. */
#include <string.h>

#include "call.h"
#include "clm_internal.h"
#include "export.h"

/* timeout == 0: SA_AIS_ERR_TIMEOUT at once, as openais and the saftest suite
 * expect (no time to wait for an answer); timeout < 0: SA_AIS_ERR_INVALID_PARAM. */
SA_EXPORT SaAisErrorT saClmClusterNodeGet(SaClmHandleT clmHandle,
	SaClmNodeIdT nodeId, SaTimeT timeout, SaClmClusterNodeT *clusterNode)
{
	if (clusterNode == NULL || timeout < 0)
		return SA_AIS_ERR_INVALID_PARAM;

	void *inst;
	SaAisErrorT err = sa_handle_get(&clm_handles, clmHandle, &inst);
	if (err != SA_AIS_OK)
		return err;
	struct clm_instance *ci = inst;
	if (timeout == 0) {
		err = sa_session_state(&ci->session);
		sa_handle_put(inst);
		return err != SA_AIS_OK ? err : SA_AIS_ERR_TIMEOUT;
	}

	struct ais_req_clm_node_get req;
	memset(&req, 0, sizeof req);
	req.header.id = AIS_CLM_NODE_GET;
	req.node_id = nodeId;
	struct ais_res_clm_node_get res;
	err = sa_call(&ci->session, &req, sizeof req, &res, sizeof res, timeout);
	if (err == SA_AIS_OK)
		clm_node_from_wire(clusterNode, &res.node);
	sa_handle_put(inst);
	return err;
}

SA_EXPORT SaAisErrorT saClmClusterNodeGetAsync(SaClmHandleT clmHandle,
	SaInvocationT invocation, SaClmNodeIdT nodeId)
{
	void *inst;
	SaAisErrorT err = sa_handle_get(&clm_handles, clmHandle, &inst);
	if (err != SA_AIS_OK)
		return err;
	struct clm_instance *ci = inst;
	if (ci->callbacks.saClmClusterNodeGetCallback == NULL) {
		sa_handle_put(inst);
		return SA_AIS_ERR_INIT;
	}

	struct ais_req_clm_node_get_async req;
	memset(&req, 0, sizeof req);
	req.header.id = AIS_CLM_NODE_GET_ASYNC;
	req.invocation = invocation;
	req.node_id = nodeId;
	struct ais_ipc_header res;
	err = sa_call(&ci->session, &req, sizeof req, &res, sizeof res, SA_DEFAULT_TIMEOUT);
	sa_handle_put(inst);
	return err;
}
