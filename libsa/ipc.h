/* C view of the IPC wire format: the definitions live in ipc_wire.h (shared with the executive). */
#ifndef AIS_LIBSA_IPC_H
#define AIS_LIBSA_IPC_H

#include <stdint.h>

#include "ipc_wire.h"

/* Default socket of the executive: abstract name "aisexec" (shown as @aisexec).
 * AIS_IPC_SOCKET in the environment overrides it: "@name" for an abstract name,
 * anything else is a filesystem path.  executive/aisexec/wire.py reads this line. */
#define AIS_IPC_SOCKET_DEFAULT "@aisexec"
#define AIS_IPC_SOCKET_ENV "AIS_IPC_SOCKET"

#endif
