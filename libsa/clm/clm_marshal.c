/* CLM: wire structs (ipc_wire.h) to the B.01.01 structs of saClm.h. */
#include <string.h>

#include "clm_internal.h"
#include "name.h"

void clm_node_from_wire(SaClmClusterNodeT *node, const struct ais_clm_node *w)
{
	memset(node, 0, sizeof *node);
	node->nodeId = w->node_id;
	node->nodeAddress.family = (SaClmNodeAddressFamilyT)w->addr_family;
	uint16_t len = w->addr_length;
	if (len > SA_CLM_MAX_ADDRESS_LENGTH)
		len = SA_CLM_MAX_ADDRESS_LENGTH;
	node->nodeAddress.length = len;
	memcpy(node->nodeAddress.value, w->addr_value, len);
	sa_name_from_wire(&node->nodeName, &w->node_name);
	node->member = w->member ? SA_TRUE : SA_FALSE;
	node->bootTimestamp = w->boot_timestamp;
	node->initialViewNumber = w->initial_view_number;
}

void clm_notification_from_wire(SaClmClusterNotificationT *n,
	const struct ais_clm_notification *w)
{
	clm_node_from_wire(&n->clusterNode, &w->node);
	n->clusterChange = (SaClmClusterChangesT)w->cluster_change;
}

const struct ais_clm_track_view *clm_view_check(const void *frame, size_t size)
{
	const struct ais_clm_track_view *v = frame;
	const size_t item = sizeof v->items[0];

	if (size < sizeof *v)
		return NULL;
	if (v->number_of_items > (size - sizeof *v) / item ||
	    size != sizeof *v + (size_t)v->number_of_items * item)
		return NULL;
	return v;
}
