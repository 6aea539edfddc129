/* SA Forum AIS B.01.01: common types (written for this project; ABI-compatible with openais 0.80.x on x86-64). */
#ifndef SA_AIS_H_INCLUDED
#define SA_AIS_H_INCLUDED

#include <stdint.h>

/* Boolean type of the interface; an enum, hence 4 bytes. */
typedef enum {
	SA_FALSE = 0,
	SA_TRUE = 1
} SaBoolT;

/* Fixed-width integers. */
typedef int8_t   SaInt8T;
typedef int16_t  SaInt16T;
typedef int32_t  SaInt32T;
typedef int64_t  SaInt64T;
typedef uint8_t  SaUint8T;
typedef uint16_t SaUint16T;
typedef uint32_t SaUint32T;
typedef uint64_t SaUint64T;

typedef float  SaFloatT;
typedef double SaDoubleT;
typedef char  *SaStringT;

/* Times are signed nanosecond counts. */
typedef SaInt64T SaTimeT;

#define SA_TIME_END     ((SaTimeT)0x7FFFFFFFFFFFFFFFULL)
#define SA_TIME_BEGIN   0x0ULL
#define SA_TIME_UNKNOWN 0x8000000000000000ULL

#define SA_TIME_ONE_MICROSECOND 1000ULL
#define SA_TIME_ONE_MILLISECOND 1000000ULL
#define SA_TIME_ONE_SECOND      1000000000ULL
#define SA_TIME_ONE_MINUTE      60000000000ULL
#define SA_TIME_ONE_HOUR        3600000000000ULL
#define SA_TIME_ONE_DAY         86400000000000ULL
#define SA_TIME_MAX             SA_TIME_END

/* Names: a counted byte string, not NUL terminated. */
#define SA_MAX_NAME_LENGTH 256

typedef struct {
	SaUint16T length;
	SaUint8T  value[SA_MAX_NAME_LENGTH];
} SaNameT;

/* Interface version requested by / returned to the application. */
typedef struct {
	char          releaseCode;
	unsigned char majorVersion;
	unsigned char minorVersion;
} SaVersionT;

/* Identifier of a notification (used by AMF error reporting). */
typedef SaUint64T SaNtfIdentifierT;

/* Track flags shared by the tracking APIs (CLM, AMF, MSG). */
#define SA_TRACK_CURRENT      0x01
#define SA_TRACK_CHANGES      0x02
#define SA_TRACK_CHANGES_ONLY 0x04

typedef enum {
	SA_DISPATCH_ONE      = 1,
	SA_DISPATCH_ALL      = 2,
	SA_DISPATCH_BLOCKING = 3
} SaDispatchFlagsT;

/* Return codes of every AIS call. */
typedef enum {
	SA_AIS_OK                      = 1,
	SA_AIS_ERR_LIBRARY             = 2,
	SA_AIS_ERR_VERSION             = 3,
	SA_AIS_ERR_INIT                = 4,
	SA_AIS_ERR_TIMEOUT             = 5,
	SA_AIS_ERR_TRY_AGAIN           = 6,
	SA_AIS_ERR_INVALID_PARAM       = 7,
	SA_AIS_ERR_NO_MEMORY           = 8,
	SA_AIS_ERR_BAD_HANDLE          = 9,
	SA_AIS_ERR_BUSY                = 10,
	SA_AIS_ERR_ACCESS              = 11,
	SA_AIS_ERR_NOT_EXIST           = 12,
	SA_AIS_ERR_NAME_TOO_LONG       = 13,
	SA_AIS_ERR_EXIST               = 14,
	SA_AIS_ERR_NO_SPACE            = 15,
	SA_AIS_ERR_INTERRUPT           = 16,
	SA_AIS_ERR_NAME_NOT_FOUND      = 17,
	SA_AIS_ERR_NO_RESOURCES        = 18,
	SA_AIS_ERR_NOT_SUPPORTED       = 19,
	SA_AIS_ERR_BAD_OPERATION       = 20,
	SA_AIS_ERR_FAILED_OPERATION    = 21,
	SA_AIS_ERR_MESSAGE_ERROR       = 22,
	SA_AIS_ERR_QUEUE_FULL          = 23,
	SA_AIS_ERR_QUEUE_NOT_AVAILABLE = 24,
	SA_AIS_ERR_BAD_FLAGS           = 25,
	SA_AIS_ERR_TOO_BIG             = 26,
	SA_AIS_ERR_NO_SECTIONS         = 27
} SaAisErrorT;

typedef SaUint64T SaSelectionObjectT;
typedef SaUint64T SaInvocationT;
typedef SaUint64T SaSizeT;

/* No valid handle ever has this value. */
#define SA_HANDLE_INVALID 0x0ULL

#endif /* SA_AIS_H_INCLUDED */
