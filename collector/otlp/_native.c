/*
 * collector.otlp._native: the protobuf fast path of OTLP span ingest.
 *
 *     decode(body: bytes, received_ns: int, max_repeated: int = MAX_REPEATED_BYTES)
 *         -> (rows, columns) | None
 *
 * Parses the wire format of an ExportTraceServiceRequest directly (no upb
 * message objects) and builds the columns of collector.schema.SPAN_SCHEMA as
 * Arrow buffers: per column (validity | None, offsets | None, data, nulls).
 * collector/otlp/native.py wraps them into a pa.Table.
 *
 * The table must be exactly what collector.otlp.protobuf.decode_protobuf and
 * pa.Table.from_pydict make of the same body.  To keep that tractable this
 * parser handles the common case only and *declines* (returns None) on
 * anything else; the caller then runs the Python decoder on the whole body.
 * It declines on
 *   - malformed wire data of any kind, groups, a known field with another
 *     wire type, bad UTF-8 in any known string field (upb refuses these and
 *     the Python path words the error);
 *   - a span the Python path would reject (ids, times, a mistyped special
 *     attribute): that path counts and words rejections;
 *   - a singular message field present twice in one message (protobuf merges
 *     those), a duplicate key in one attribute list, more than MAX_KEYS keys
 *     in one list, AnyValue.string_value_strindex, AnyValue nesting deeper
 *     than MAX_DEPTH, a string column over 2 GiB;
 *   - resource or scope attributes whose JSON is longer than MAX_RESOURCE_JSON,
 *     a scope name or version longer than MAX_SCOPE_NAME characters (the
 *     Python path rejects the spans under them);
 *   - spans that copy, all together, more than MAX_REPEATED_BYTES of resource
 *     JSON, service.name and scope name, version and attributes JSON into
 *     their rows (the Python path refuses the request): counted in a first
 *     pass, before any row is written;
 *   - a failed allocation (never MemoryError: the Python path decides).
 * Parsing and building run with the GIL released; it is taken back only to
 * spell a double as Python's repr() does.
 *
 * WIRE below lists every field this parser knows; native.py compares it with
 * the descriptors of the installed opentelemetry-proto and does not use this
 * module when they differ.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16 /* AnyValue nesting (upb allows 100 messages in all) */
#define MAX_KEYS 128 /* keys of one attribute list (SDKs default to 128) */
/* common.MAX_RESOURCE_JSON, MAX_SCOPE_NAME, MAX_REPEATED_BYTES (native.py checks them) */
#define MAX_RESOURCE_JSON 16384 /* bytes = characters: the JSON is ASCII */
#define MAX_SCOPE_NAME 1024     /* characters (code points), not UTF-8 bytes */
/* characters of resource JSON + service.name + scope name over all spans */
#define MAX_REPEATED_BYTES (256 * 1024 * 1024)
/* What the rows say, by version (native.py checks it against common.ROW_FORMAT):
   2 = the attributes JSON leaves out the special attributes their columns
   hold exactly (common._special). */
#define ROW_FORMAT 2

typedef const uint8_t *P;

/* ------------------------------------------------------------ the columns */

enum {
    C_TRACE, C_SPAN, C_PARENT, C_NAME, C_KIND, C_START, C_END, C_SCODE, C_SMSG,
    C_SERVICE, C_SCOPE, C_SCOPE_VERSION, C_SCOPE_ATTRS,
    C_SLOT0, /* the special attribute columns: event_id .. http_status */
    C_ATTRS = C_SLOT0 + 12, C_RESOURCE, C_LINKS, C_EVENTS, C_RECEIVED, N_COLS
};

/* 's' string, 'i' int32, 'l' int64, 'b' bool */
static const struct { const char *name; char type; } COLUMNS[N_COLS] = {
    {"trace_id", 's'}, {"span_id", 's'}, {"parent_span_id", 's'}, {"name", 's'},
    {"kind", 'i'}, {"start_ns", 'l'}, {"end_ns", 'l'}, {"status_code", 'i'},
    {"status_message", 's'}, {"service_name", 's'}, {"scope_name", 's'},
    {"scope_version", 's'}, {"scope_attributes", 's'},
    {"event_id", 's'}, {"event_source", 's'}, {"sku", 's'}, {"location", 's'},
    {"order_id", 's'}, {"target", 's'}, {"attempt", 'l'}, {"replay", 'b'},
    {"dead_lettered", 'b'}, {"duplicate", 'b'}, {"error_type", 's'},
    {"http_status", 'l'}, {"attributes", 's'}, {"resource", 's'}, {"links", 's'},
    {"span_events", 's'}, {"received_ns", 'l'},
};

#define N_SLOTS 12
#define SLOT_ATTEMPT 6 /* must be >= 1 */
static const struct { const char *key; size_t len; } SPECIAL[N_SLOTS] = {
#define K(s) {s, sizeof(s) - 1}
    K("inventory.event_id"), K("inventory.event_source"), K("inventory.sku"),
    K("inventory.location"), K("order.id"), K("sync.target"), K("sync.attempt"),
    K("sync.replay"), K("sync.dead_lettered"), K("sync.duplicate"), K("error.type"),
    K("http.response.status_code"),
#undef K
};

/* Every field of the messages parsed here: (message, number, name, type,
   repeated, oneof).  Types are FieldDescriptor.TYPE_* numbers. */
#define M_REQ "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest"
#define M_COMMON "opentelemetry.proto.common.v1."
#define M_TRACE "opentelemetry.proto.trace.v1."
enum { T_DOUBLE = 1, T_INT64 = 3, T_INT32 = 5, T_FIXED64 = 6, T_FIXED32 = 7, T_BOOL = 8,
       T_STRING = 9, T_MESSAGE = 11, T_BYTES = 12, T_UINT32 = 13, T_ENUM = 14 };
static const struct { const char *msg; int number; const char *name; int type, repeated;
                      const char *oneof; } WIRE[] = {
    {M_REQ, 1, "resource_spans", T_MESSAGE, 1, ""},
    {M_TRACE "ResourceSpans", 1, "resource", T_MESSAGE, 0, ""},
    {M_TRACE "ResourceSpans", 2, "scope_spans", T_MESSAGE, 1, ""},
    {M_TRACE "ResourceSpans", 3, "schema_url", T_STRING, 0, ""},
    {"opentelemetry.proto.resource.v1.Resource", 1, "attributes", T_MESSAGE, 1, ""},
    {"opentelemetry.proto.resource.v1.Resource", 2, "dropped_attributes_count", T_UINT32, 0, ""},
    {"opentelemetry.proto.resource.v1.Resource", 3, "entity_refs", T_MESSAGE, 1, ""},
    {M_COMMON "EntityRef", 1, "schema_url", T_STRING, 0, ""},
    {M_COMMON "EntityRef", 2, "type", T_STRING, 0, ""},
    {M_COMMON "EntityRef", 3, "id_keys", T_STRING, 1, ""},
    {M_COMMON "EntityRef", 4, "description_keys", T_STRING, 1, ""},
    {M_COMMON "KeyValue", 1, "key", T_STRING, 0, ""},
    {M_COMMON "KeyValue", 2, "value", T_MESSAGE, 0, ""},
    {M_COMMON "KeyValue", 3, "key_strindex", T_INT32, 0, ""},
    {M_COMMON "AnyValue", 1, "string_value", T_STRING, 0, "value"},
    {M_COMMON "AnyValue", 2, "bool_value", T_BOOL, 0, "value"},
    {M_COMMON "AnyValue", 3, "int_value", T_INT64, 0, "value"},
    {M_COMMON "AnyValue", 4, "double_value", T_DOUBLE, 0, "value"},
    {M_COMMON "AnyValue", 5, "array_value", T_MESSAGE, 0, "value"},
    {M_COMMON "AnyValue", 6, "kvlist_value", T_MESSAGE, 0, "value"},
    {M_COMMON "AnyValue", 7, "bytes_value", T_BYTES, 0, "value"},
    {M_COMMON "AnyValue", 8, "string_value_strindex", T_INT32, 0, "value"},
    {M_COMMON "ArrayValue", 1, "values", T_MESSAGE, 1, ""},
    {M_COMMON "KeyValueList", 1, "values", T_MESSAGE, 1, ""},
    {M_TRACE "ScopeSpans", 1, "scope", T_MESSAGE, 0, ""},
    {M_TRACE "ScopeSpans", 2, "spans", T_MESSAGE, 1, ""},
    {M_TRACE "ScopeSpans", 3, "schema_url", T_STRING, 0, ""},
    {M_COMMON "InstrumentationScope", 1, "name", T_STRING, 0, ""},
    {M_COMMON "InstrumentationScope", 2, "version", T_STRING, 0, ""},
    {M_COMMON "InstrumentationScope", 3, "attributes", T_MESSAGE, 1, ""},
    {M_COMMON "InstrumentationScope", 4, "dropped_attributes_count", T_UINT32, 0, ""},
    {M_TRACE "Span", 1, "trace_id", T_BYTES, 0, ""},
    {M_TRACE "Span", 2, "span_id", T_BYTES, 0, ""},
    {M_TRACE "Span", 3, "trace_state", T_STRING, 0, ""},
    {M_TRACE "Span", 4, "parent_span_id", T_BYTES, 0, ""},
    {M_TRACE "Span", 5, "name", T_STRING, 0, ""},
    {M_TRACE "Span", 6, "kind", T_ENUM, 0, ""},
    {M_TRACE "Span", 7, "start_time_unix_nano", T_FIXED64, 0, ""},
    {M_TRACE "Span", 8, "end_time_unix_nano", T_FIXED64, 0, ""},
    {M_TRACE "Span", 9, "attributes", T_MESSAGE, 1, ""},
    {M_TRACE "Span", 10, "dropped_attributes_count", T_UINT32, 0, ""},
    {M_TRACE "Span", 11, "events", T_MESSAGE, 1, ""},
    {M_TRACE "Span", 12, "dropped_events_count", T_UINT32, 0, ""},
    {M_TRACE "Span", 13, "links", T_MESSAGE, 1, ""},
    {M_TRACE "Span", 14, "dropped_links_count", T_UINT32, 0, ""},
    {M_TRACE "Span", 15, "status", T_MESSAGE, 0, ""},
    {M_TRACE "Span", 16, "flags", T_FIXED32, 0, ""},
    {M_TRACE "Span.Event", 1, "time_unix_nano", T_FIXED64, 0, ""},
    {M_TRACE "Span.Event", 2, "name", T_STRING, 0, ""},
    {M_TRACE "Span.Event", 3, "attributes", T_MESSAGE, 1, ""},
    {M_TRACE "Span.Event", 4, "dropped_attributes_count", T_UINT32, 0, ""},
    {M_TRACE "Span.Link", 1, "trace_id", T_BYTES, 0, ""},
    {M_TRACE "Span.Link", 2, "span_id", T_BYTES, 0, ""},
    {M_TRACE "Span.Link", 3, "trace_state", T_STRING, 0, ""},
    {M_TRACE "Span.Link", 4, "attributes", T_MESSAGE, 1, ""},
    {M_TRACE "Span.Link", 5, "dropped_attributes_count", T_UINT32, 0, ""},
    {M_TRACE "Span.Link", 6, "flags", T_FIXED32, 0, ""},
    {M_TRACE "Status", 2, "message", T_STRING, 0, ""},
    {M_TRACE "Status", 3, "code", T_ENUM, 0, ""},
};

/* ------------------------------------------------ buffers and the context */

typedef struct { char *p; size_t n, cap; } Buf; /* malloc'd: used without the GIL */
typedef struct { Buf data, offsets, valid; int64_t nulls; } Col;
typedef struct { P p; size_t n; } Key;

typedef struct {
    Col col[N_COLS];
    int64_t rows;
    int64_t received;
    PyThreadState *ts;
    Buf keys;     /* stack of Key: the keys of the attribute lists being written */
    Buf resource; /* resource JSON of the current ResourceSpans */
    Buf service;  /* service.name of the current resource, if has_service */
    int has_service;
    P scope; /* scope name of the current ScopeSpans, NULL if none or empty */
    size_t scope_n;
    P scope_version; /* its version, NULL if none or empty */
    size_t scope_version_n;
    Buf scope_attrs; /* its attributes as JSON, if has_scope_attrs */
    int has_scope_attrs;
    uint64_t repeated;     /* characters of resource + service + scope the spans copy */
    uint64_t max_repeated; /* ... at most (the Python path refuses the request over it) */
} Ctx;

static int grow(Ctx *c, Buf *b, size_t extra)
{
    size_t need = b->n + extra, cap = b->cap ? b->cap : 256;
    (void)c;
    if (need < b->n) return 0;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) return 0;
        cap *= 2;
    }
    char *p = realloc(b->p, cap); /* on failure b keeps its memory (ctx_free frees it) */
    if (p == NULL) return 0;
    b->p = p;
    b->cap = cap;
    return 1;
}

#define RESERVE(c, b, k) \
    if ((b)->cap - (b)->n < (size_t)(k) && !grow((c), (b), (k))) return 0

static inline int put(Ctx *c, Buf *b, const void *s, size_t k)
{
    RESERVE(c, b, k);
    if (k) memcpy(b->p + b->n, s, k);
    b->n += k;
    return 1;
}

static inline int put1(Ctx *c, Buf *b, char ch)
{
    RESERVE(c, b, 1);
    b->p[b->n++] = ch;
    return 1;
}

#define PUTS(c, b, lit) put((c), (b), (lit), sizeof(lit) - 1)

/* One more bit of a bitmap whose length is the row number c->rows. */
static inline int put_bit(Ctx *c, Buf *b, int bit)
{
    if ((c->rows & 7) == 0 && !put1(c, b, 0)) return 0;
    if (bit) b->p[c->rows >> 3] |= (char)(1 << (c->rows & 7));
    return 1;
}

static inline int valid(Ctx *c, Col *col, int ok)
{
    if (!ok) col->nulls++;
    return put_bit(c, &col->valid, ok);
}

/* Ends the string of this row: its bytes are already in col->data. */
static int str_end(Ctx *c, Col *col, int ok)
{
    if (col->data.n > INT32_MAX) return 0; /* over pa.string()'s 2 GiB: decline */
    int32_t off = (int32_t)col->data.n;
    return put(c, &col->offsets, &off, 4) && valid(c, col, ok);
}

static int str_put(Ctx *c, Col *col, P s, size_t n)
{
    return put(c, &col->data, s, n) && str_end(c, col, 1);
}

static int put_i32(Ctx *c, Col *col, int32_t v, int ok)
{
    return put(c, &col->data, &v, 4) && valid(c, col, ok);
}

static int put_i64(Ctx *c, Col *col, int64_t v, int ok)
{
    return put(c, &col->data, &v, 8) && valid(c, col, ok);
}

static int put_bool(Ctx *c, Col *col, int v)
{
    return put_bit(c, &col->data, v) && valid(c, col, 1);
}

/* ------------------------------------------------------------- text */

static const char HEX[] = "0123456789abcdef";
static uint8_t ESCAPE[256]; /* 1: json.dumps(ensure_ascii=True) escapes this byte */

static int put_hex(Ctx *c, Buf *b, P s, size_t n)
{
    RESERVE(c, b, 2 * n);
    char *o = b->p + b->n;
    for (size_t i = 0; i < n; i++) {
        o[2 * i] = HEX[s[i] >> 4];
        o[2 * i + 1] = HEX[s[i] & 15];
    }
    b->n += 2 * n;
    return 1;
}

static int put_u64(Ctx *c, Buf *b, uint64_t v)
{
    char t[24], *s = t + sizeof t;
    do {
        *--s = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return put(c, b, s, (size_t)(t + sizeof t - s));
}

static int put_int(Ctx *c, Buf *b, int64_t v)
{
    if (v < 0) return put1(c, b, '-') && put_u64(c, b, (uint64_t)0 - (uint64_t)v);
    return put_u64(c, b, (uint64_t)v);
}

/* Strict UTF-8, as upb checks proto3 string fields (no surrogates, no
   overlong forms, nothing above U+10FFFF). */
static int utf8_ok(P s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        uint8_t b = s[i];
        if (b < 0x80) {
            i++;
        } else if (b < 0xC2) {
            return 0;
        } else if (b < 0xE0) {
            if (n - i < 2 || (s[i + 1] & 0xC0) != 0x80) return 0;
            i += 2;
        } else if (b < 0xF0) {
            if (n - i < 3 || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80) return 0;
            if ((b == 0xE0 && s[i + 1] < 0xA0) || (b == 0xED && s[i + 1] >= 0xA0)) return 0;
            i += 3;
        } else if (b < 0xF5) {
            if (n - i < 4 || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80
                || (s[i + 3] & 0xC0) != 0x80)
                return 0;
            if ((b == 0xF0 && s[i + 1] < 0x90) || (b == 0xF4 && s[i + 1] >= 0x90)) return 0;
            i += 4;
        } else {
            return 0;
        }
    }
    return 1;
}

static void put_u4(char *o, unsigned u)
{
    o[0] = '\\';
    o[1] = 'u';
    o[2] = HEX[(u >> 12) & 15];
    o[3] = HEX[(u >> 8) & 15];
    o[4] = HEX[(u >> 4) & 15];
    o[5] = HEX[u & 15];
}

/* The length of the run of bytes at s that JSON takes as they are: eight at a
   time while none can need escaping (false alarms end in the exact loop). */
static inline size_t plain_run(P s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t j = 0;
    for (; n - j >= 8; j += 8) {
        uint64_t w, q, bs, del;
        memcpy(&w, s + j, 8);
        q = w ^ (ones * '"');
        bs = w ^ (ones * '\\');
        del = w ^ (ones * 0x7F);
        if ((w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((bs - ones) & ~bs)
             | ((del - ones) & ~del))
            & highs)
            break;
    }
    while (j < n && !ESCAPE[s[j]]) j++;
    return j;
}

/* A JSON string as json.dumps spells it (ensure_ascii=True); s is valid UTF-8
   (utf8_ok), but a bad sequence is never read past n. */
static int json_str(Ctx *c, Buf *b, P s, size_t n)
{
    if (!put1(c, b, '"')) return 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i + plain_run(s + i, n - i);
        if (!put(c, b, s + i, j - i)) return 0;
        if (j == n) break;
        RESERVE(c, b, 12);
        char *o = b->p + b->n;
        uint8_t ch = s[j];
        unsigned cp;
        size_t len = 1;
        if (ch < 0x80) {
            const char *short_ = NULL;
            switch (ch) {
            case '"': short_ = "\\\""; break;
            case '\\': short_ = "\\\\"; break;
            case '\b': short_ = "\\b"; break;
            case '\f': short_ = "\\f"; break;
            case '\n': short_ = "\\n"; break;
            case '\r': short_ = "\\r"; break;
            case '\t': short_ = "\\t"; break;
            }
            if (short_) {
                o[0] = short_[0];
                o[1] = short_[1];
                b->n += 2;
                i = j + 1;
                continue;
            }
            cp = ch;
        } else if (ch < 0xE0) {
            len = 2;
            cp = ch & 0x1F;
        } else if (ch < 0xF0) {
            len = 3;
            cp = ch & 0x0F;
        } else {
            len = 4;
            cp = ch & 0x07;
        }
        if (n - j < len) return 0;
        for (size_t k = 1; k < len; k++) cp = (cp << 6) | (s[j + k] & 0x3F);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put_u4(o, 0xD800 | (cp >> 10));
            put_u4(o + 6, 0xDC00 | (cp & 0x3FF));
            b->n += 12;
        } else {
            put_u4(o, cp);
            b->n += 6;
        }
        i = j + len;
    }
    return put1(c, b, '"');
}

/* base64.b64encode(s), in quotes when quote */
static int put_base64(Ctx *c, Buf *b, P s, size_t n, int quote)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    RESERVE(c, b, (n + 2) / 3 * 4 + 2);
    char *o = b->p + b->n;
    if (quote) *o++ = '"';
    size_t i = 0;
    for (; n - i >= 3; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *o++ = A[v >> 18];
        *o++ = A[(v >> 12) & 63];
        *o++ = A[(v >> 6) & 63];
        *o++ = A[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        *o++ = A[v >> 18];
        *o++ = A[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        *o++ = A[v >> 18];
        *o++ = A[(v >> 12) & 63];
        *o++ = A[(v >> 6) & 63];
        *o++ = '=';
    }
    if (quote) *o++ = '"';
    b->n = (size_t)(o - b->p);
    return 1;
}

/* A non-finite double as common._nonfinite spells it (a str, not a float). */
static const char *nonfinite(double d)
{
    return isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
}

/* repr(d) as json.dumps writes a float; non-finite ones as JSON strings. */
static int json_double(Ctx *c, Buf *b, double d)
{
    if (!isfinite(d)) {
        const char *text = nonfinite(d);
        return put1(c, b, '"') && put(c, b, text, strlen(text)) && put1(c, b, '"');
    }
    char t[64];
    size_t n = 0;
    PyEval_RestoreThread(c->ts); /* PyOS_double_to_string allocates with PyMem */
    char *s = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (s != NULL) {
        n = strlen(s);
        if (n < sizeof t) memcpy(t, s, n);
        PyMem_Free(s);
    } else {
        PyErr_Clear();
    }
    c->ts = PyEval_SaveThread();
    if (s == NULL) return 0;
    return n < sizeof t && put(c, b, t, n);
}

/* ------------------------------------------------------------ wire format */

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

static inline int rd_varint(P *pp, P end, uint64_t *out)
{
    P p = *pp;
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (p >= end) return 0;
        uint64_t b = *p++;
        if (i == 9 && b > 1) return 0; /* upb ignores the overflow; we decline */
        v |= (b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            *pp = p;
            return 1;
        }
    }
    return 0;
}

/* A tag as upb reads one: at most 5 bytes, at most UINT32_MAX, field >= 1. */
static inline int rd_tag(P *pp, P end, uint32_t *field, int *wt)
{
    P start = *pp;
    uint64_t v;
    if (start < end && *start < 0x80) {
        v = *start;
        *pp = start + 1;
    } else if (!rd_varint(pp, end, &v) || *pp - start > 5 || v > UINT32_MAX) {
        return 0;
    }
    *field = (uint32_t)(v >> 3);
    *wt = (int)(v & 7);
    return *field != 0;
}

static inline int rd_len(P *pp, P end, P *s, size_t *n)
{
    uint64_t v;
    if (!rd_varint(pp, end, &v) || v >= INT32_MAX || v > (uint64_t)(end - *pp)) return 0;
    *s = *pp;
    *n = (size_t)v;
    *pp += v;
    return 1;
}

static inline int rd_fixed64(P *pp, P end, uint64_t *out)
{
    if (end - *pp < 8) return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | (*pp)[i];
    *out = v;
    *pp += 8;
    return 1;
}

/* Skips a field this parser has no use for (unknown fields as upb keeps
   them; groups and wire types 6 and 7 decline). */
static int skip(P *pp, P end, int wt)
{
    uint64_t v;
    P s;
    size_t n;
    switch (wt) {
    case WT_VARINT: return rd_varint(pp, end, &v);
    case WT_I64: return rd_fixed64(pp, end, &v);
    case WT_LEN: return rd_len(pp, end, &s, &n);
    case WT_I32:
        if (end - *pp < 4) return 0;
        *pp += 4;
        return 1;
    default: return 0;
    }
}

/* Field-reading helpers for the switch statements below: each checks the
   wire type of a known field (another one declines). */
#define NEED(w) if (wt != (w)) return 0
#define LEN(s, n) NEED(WT_LEN); if (!rd_len(&p, end, &(s), &(n))) return 0
#define TEXT(s, n) LEN(s, n); if (!utf8_ok((s), (n))) return 0
#define VARINT(v) NEED(WT_VARINT); if (!rd_varint(&p, end, &(v))) return 0
#define FIXED64(v) NEED(WT_I64); if (!rd_fixed64(&p, end, &(v))) return 0
#define FIXED32() NEED(WT_I32); if (!skip(&p, end, WT_I32)) return 0
#define TAG() if (!rd_tag(&p, end, &f, &wt)) return 0
#define UNKNOWN() if (!skip(&p, end, wt)) return 0

/* ---------------------------------------------------- AnyValue, KeyValue */

enum { AV_NONE, AV_STR, AV_BOOL, AV_INT, AV_DOUBLE, AV_ARRAY, AV_KVLIST, AV_BYTES };
typedef struct { int kind; P p; size_t n; int64_t i; double d; } AV;

static int parse_any(P p, P end, int depth, AV *av);

static int parse_kv(P p, P end, int depth, Key *key, AV *av)
{
    uint32_t f;
    int wt, has_value = 0;
    P s, value = NULL;
    size_t n, value_n = 0;
    uint64_t v;
    key->p = p;
    key->n = 0;
    while (p < end) {
        TAG();
        switch (f) {
        case 1: TEXT(s, n); key->p = s; key->n = n; break;
        case 2: LEN(value, value_n); if (has_value++) return 0; break; /* merge */
        case 3: VARINT(v); break;
        default: UNKNOWN();
        }
    }
    if (!has_value) {
        memset(av, 0, sizeof *av);
        av->kind = AV_NONE;
        return 1;
    }
    return parse_any(value, value + value_n, depth, av);
}

/* Checks an ArrayValue (list = 0) or a KeyValueList (list = 1). */
static int check_list(P p, P end, int depth, int list)
{
    uint32_t f;
    int wt;
    P s;
    size_t n;
    Key key;
    AV av;
    if (depth > MAX_DEPTH) return 0;
    while (p < end) {
        TAG();
        if (f == 1) {
            LEN(s, n);
            if (!(list ? parse_kv(s, s + n, depth, &key, &av) : parse_any(s, s + n, depth, &av)))
                return 0;
        } else {
            UNKNOWN();
        }
    }
    return 1;
}

/* The value of an AnyValue (the last member of its oneof), checked in full. */
static int parse_any(P p, P end, int depth, AV *av)
{
    uint32_t f;
    int wt, arrays = 0, kvlists = 0;
    P s;
    size_t n;
    uint64_t v;
    memset(av, 0, sizeof *av);
    av->kind = AV_NONE;
    while (p < end) {
        TAG();
        switch (f) {
        case 1:
            TEXT(s, n);
            av->kind = AV_STR, av->p = s, av->n = n;
            break;
        case 2:
            VARINT(v);
            av->kind = AV_BOOL, av->i = v != 0;
            break;
        case 3:
            VARINT(v);
            av->kind = AV_INT, av->i = (int64_t)v;
            break;
        case 4:
            FIXED64(v);
            av->kind = AV_DOUBLE;
            memcpy(&av->d, &v, 8);
            break;
        case 5:
        case 6:
            LEN(s, n);
            if ((f == 5 ? arrays++ : kvlists++) > 0) return 0; /* may merge */
            if (!check_list(s, s + n, depth + 1, f == 6)) return 0;
            av->kind = f == 5 ? AV_ARRAY : AV_KVLIST, av->p = s, av->n = n;
            break;
        case 7:
            LEN(s, n);
            av->kind = AV_BYTES, av->p = s, av->n = n;
            break;
        case 8: return 0; /* string_value_strindex */
        default: UNKNOWN();
        }
    }
    return 1;
}

/* ---------------------------------------------------------- JSON objects */

typedef struct { size_t base; int count; } Obj;

static int obj_begin(Ctx *c, Buf *b, Obj *o)
{
    o->base = c->keys.n;
    o->count = 0;
    return put1(c, b, '{');
}

static int obj_end(Ctx *c, Buf *b, Obj *o)
{
    c->keys.n = o->base;
    return put1(c, b, '}');
}

static int json_any(Ctx *c, Buf *b, const AV *av, int depth);

/* Parses one KeyValue (wire bytes p..end) of object o into key and av and
   records its key; a duplicate key declines. */
static int obj_key(Ctx *c, Obj *o, P p, P end, int depth, Key *key, AV *av)
{
    if (!parse_kv(p, end, depth, key, av)) return 0;
    size_t count = (c->keys.n - o->base) / sizeof(Key);
    if (count >= MAX_KEYS) return 0;
    if (count) { /* c->keys.p may still be NULL when count is 0 */
        const Key *seen = (const Key *)(c->keys.p + o->base);
        for (size_t i = 0; i < count; i++)
            if (seen[i].n == key->n && memcmp(seen[i].p, key->p, key->n) == 0) return 0;
    }
    return put(c, &c->keys, key, sizeof *key);
}

/* Writes a KeyValue that obj_key took into object o's JSON. */
static int obj_put(Ctx *c, Buf *b, Obj *o, const Key *key, const AV *av, int depth)
{
    if (o->count++ && !put1(c, b, ',')) return 0;
    return json_str(c, b, key->p, key->n) && put1(c, b, ':') && json_any(c, b, av, depth);
}

/* Both: one KeyValue into object o. */
static int obj_kv(Ctx *c, Buf *b, Obj *o, P p, P end, int depth, Key *key, AV *av)
{
    return obj_key(c, o, p, end, depth, key, av) && obj_put(c, b, o, key, av, depth);
}

/* The KeyValues in field `field` of the message in [start, end) as one JSON
   object: a span event's or a link's attributes, a kvlist value. */
static int attrs_object(Ctx *c, Buf *b, P start, P end, uint32_t field, int depth)
{
    uint32_t f;
    int wt;
    P p = start, s;
    size_t n;
    Obj o;
    Key key;
    AV av;
    if (!obj_begin(c, b, &o)) return 0;
    while (p < end) {
        TAG();
        if (f == field) {
            LEN(s, n);
            if (!obj_kv(c, b, &o, s, s + n, depth, &key, &av)) return 0;
        } else {
            UNKNOWN();
        }
    }
    return obj_end(c, b, &o);
}

/* The JSON of an AnyValue as _pb_attrs / _pb_any make it. */
static int json_any(Ctx *c, Buf *b, const AV *av, int depth)
{
    P p = av->p, end = p, s;
    uint32_t f;
    int wt, first = 1;
    size_t n;
    if (av->kind == AV_ARRAY || av->kind == AV_KVLIST) end = p + av->n;
    switch (av->kind) {
    case AV_STR: return json_str(c, b, av->p, av->n);
    case AV_BOOL: return av->i ? PUTS(c, b, "true") : PUTS(c, b, "false");
    case AV_INT: return put_int(c, b, av->i);
    case AV_DOUBLE: return json_double(c, b, av->d);
    case AV_BYTES: return put_base64(c, b, av->p, av->n, 1);
    case AV_ARRAY:
        if (!put1(c, b, '[')) return 0;
        while (p < end) {
            TAG();
            if (f != 1) {
                UNKNOWN();
                continue;
            }
            AV item;
            LEN(s, n);
            if (!parse_any(s, s + n, depth + 1, &item)) return 0;
            if (!first && !put1(c, b, ',')) return 0;
            first = 0;
            if (!json_any(c, b, &item, depth + 1)) return 0;
        }
        return put1(c, b, ']');
    case AV_KVLIST: return attrs_object(c, b, p, end, 1, depth + 1);
    default: return PUTS(c, b, "null");
    }
}

/* ------------------------------------------------------------- messages */

static int check_entity_ref(P p, P end)
{
    uint32_t f;
    int wt;
    P s;
    size_t n;
    while (p < end) {
        TAG();
        if (f >= 1 && f <= 4) {
            TEXT(s, n);
        } else {
            UNKNOWN();
        }
    }
    return 1;
}

/* service.name when _pb_attrs makes it a str: a string, a non-finite double
   ("NaN"...) or bytes (base64). */
static int set_service(Ctx *c, const AV *av)
{
    if (av->kind == AV_STR) {
        c->has_service = 1;
        return put(c, &c->service, av->p, av->n);
    }
    if (av->kind == AV_DOUBLE && !isfinite(av->d)) {
        c->has_service = 1;
        return put(c, &c->service, nonfinite(av->d), strlen(nonfinite(av->d)));
    }
    if (av->kind == AV_BYTES) {
        c->has_service = 1;
        return put_base64(c, &c->service, av->p, av->n, 0);
    }
    return 1;
}

/* Resource: its attributes as JSON into c->resource, and service.name. */
static int do_resource(Ctx *c, P p, P end)
{
    uint32_t f;
    int wt;
    P s;
    size_t n;
    uint64_t v;
    Obj o;
    Key key;
    AV av;
    if (!obj_begin(c, &c->resource, &o)) return 0;
    while (p < end) {
        TAG();
        switch (f) {
        case 1:
            LEN(s, n);
            if (!obj_kv(c, &c->resource, &o, s, s + n, 0, &key, &av)) return 0;
            if (c->resource.n > MAX_RESOURCE_JSON) return 0; /* rejected in Python */
            if (key.n == 12 && memcmp(key.p, "service.name", 12) == 0 && !set_service(c, &av))
                return 0;
            break;
        case 2: VARINT(v); break;
        case 3:
            LEN(s, n);
            if (!check_entity_ref(s, s + n)) return 0;
            break;
        default: UNKNOWN();
        }
    }
    return obj_end(c, &c->resource, &o) && c->resource.n <= MAX_RESOURCE_JSON;
}

/* The number of code points of valid UTF-8 (what len() of the str gives). */
static size_t utf8_chars(P s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) chars += (s[i] & 0xC0) != 0x80;
    return chars;
}

static int do_scope(Ctx *c, P p, P end)
{
    uint32_t f;
    int wt;
    P s;
    size_t n;
    uint64_t v;
    Obj o;
    Key key;
    AV av;
    if (!obj_begin(c, &c->scope_attrs, &o)) return 0;
    while (p < end) {
        TAG();
        switch (f) {
        case 1:
            TEXT(s, n);
            c->scope = n ? s : NULL, c->scope_n = n;
            break;
        case 2:
            TEXT(s, n);
            c->scope_version = n ? s : NULL, c->scope_version_n = n;
            break;
        case 3:
            LEN(s, n);
            if (!obj_kv(c, &c->scope_attrs, &o, s, s + n, 0, &key, &av)) return 0;
            if (c->scope_attrs.n > MAX_RESOURCE_JSON) return 0; /* rejected in Python */
            c->has_scope_attrs = 1;
            break;
        case 4: VARINT(v); break;
        default: UNKNOWN();
        }
    }
    return obj_end(c, &c->scope_attrs, &o) && c->scope_attrs.n <= MAX_RESOURCE_JSON;
}

/* One Span.Event as {"name", "time_ns", "attributes"}. */
static int do_event(Ctx *c, Buf *b, P start, P end)
{
    uint32_t f;
    int wt;
    P p = start, s, name = start;
    size_t n, name_n = 0;
    uint64_t v, time = 0;
    while (p < end) {
        TAG();
        switch (f) {
        case 1: FIXED64(time); break;
        case 2: TEXT(name, name_n); break;
        case 3: LEN(s, n); break;
        case 4: VARINT(v); break;
        default: UNKNOWN();
        }
    }
    return PUTS(c, b, "{\"name\":") && json_str(c, b, name, name_n)
           && PUTS(c, b, ",\"time_ns\":") && put_u64(c, b, time)
           && PUTS(c, b, ",\"attributes\":") && attrs_object(c, b, start, end, 3, 0)
           && put1(c, b, '}');
}

/* One Span.Link as {"trace_id", "span_id", "attributes"}. */
static int do_link(Ctx *c, Buf *b, P start, P end)
{
    uint32_t f;
    int wt;
    P p = start, s, tid = start, sid = start;
    size_t n, tid_n = 0, sid_n = 0;
    uint64_t v;
    while (p < end) {
        TAG();
        switch (f) {
        case 1: LEN(tid, tid_n); break;
        case 2: LEN(sid, sid_n); break;
        case 3: TEXT(s, n); break;
        case 4: LEN(s, n); break;
        case 5: VARINT(v); break;
        case 6: FIXED32(); break;
        default: UNKNOWN();
        }
    }
    return PUTS(c, b, "{\"trace_id\":\"") && put_hex(c, b, tid, tid_n)
           && PUTS(c, b, "\",\"span_id\":\"") && put_hex(c, b, sid, sid_n)
           && PUTS(c, b, "\",\"attributes\":") && attrs_object(c, b, start, end, 4, 0)
           && put1(c, b, '}');
}

/* The value of one special attribute column, by the rules of common._typed. */
typedef struct { int set, is_int; P p; size_t n; int64_t i; } Slot;

static int slot_of(const Key *key)
{
    if (key->n < 8) return -1;
    for (int k = 0; k < N_SLOTS; k++)
        if (SPECIAL[k].len == key->n && memcmp(SPECIAL[k].key, key->p, key->n) == 0) return k;
    return -1;
}

static int ascii_ieq(P s, size_t n, const char *lower)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = s[i];
        if (ch >= 'A' && ch <= 'Z') ch += 32;
        if (ch != (uint8_t)lower[i]) return 0;
    }
    return 1;
}

static int typed(Slot *slot, int k, const AV *av)
{
    switch (COLUMNS[C_SLOT0 + k].type) {
    case 's':
        if (av->kind == AV_STR) {
            slot->p = av->p, slot->n = av->n;
        } else if (av->kind == AV_INT) {
            slot->is_int = 1, slot->i = av->i;
        } else {
            return 0;
        }
        break;
    case 'l':
        if (av->kind == AV_INT) {
            slot->i = av->i;
        } else if (av->kind == AV_STR && av->n >= 1 && av->n <= 18) {
            slot->i = 0;
            for (size_t i = 0; i < av->n; i++) {
                if (av->p[i] < '0' || av->p[i] > '9') return 0;
                slot->i = slot->i * 10 + (av->p[i] - '0');
            }
        } else {
            return 0;
        }
        if (k == SLOT_ATTEMPT && slot->i < 1) return 0;
        break;
    default: /* 'b' */
        if (av->kind == AV_BOOL) {
            slot->i = av->i;
        } else if (av->kind == AV_STR && av->n == 4 && ascii_ieq(av->p, 4, "true")) {
            slot->i = 1;
        } else if (av->kind == AV_STR && av->n == 5 && ascii_ieq(av->p, 5, "false")) {
            slot->i = 0;
        } else {
            return 0;
        }
    }
    slot->set = 1;
    return 1;
}

/* The column of slot k holds this value exactly, so the attributes JSON
   leaves it out (common._special). */
static int held(int k, const AV *av)
{
    switch (COLUMNS[C_SLOT0 + k].type) {
    case 's': return av->kind == AV_STR;
    case 'l': return av->kind == AV_INT;
    default: return av->kind == AV_BOOL && av->i;
    }
}

static int all_zero(P s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i]) return 0;
    return 1;
}

/* One span: one row of every column, or decline. */
static int do_span(Ctx *c, P p, P end)
{
    Col *col = c->col;
    Buf *attrs = &col[C_ATTRS].data, *events = &col[C_EVENTS].data, *links = &col[C_LINKS].data;
    uint32_t f;
    int wt, has_status = 0, n_events = 0, n_links = 0;
    P s, tid = p, sid = p, pid = p, name = p, status = NULL;
    size_t n, tid_n = 0, sid_n = 0, pid_n = 0, name_n = 0, status_n = 0;
    uint64_t v, start = 0, stop = 0;
    int32_t kind = 0;
    Slot slots[N_SLOTS];
    Obj o;
    Key key;
    AV av;
    memset(slots, 0, sizeof slots);
    if (!obj_begin(c, attrs, &o)) return 0;
    while (p < end) {
        TAG();
        switch (f) {
        case 1: LEN(tid, tid_n); break;
        case 2: LEN(sid, sid_n); break;
        case 3: TEXT(s, n); break;
        case 4: LEN(pid, pid_n); break;
        case 5: TEXT(name, name_n); break;
        case 6: VARINT(v); kind = (int32_t)(uint32_t)v; break; /* open enum, as upb */
        case 7: FIXED64(start); break;
        case 8: FIXED64(stop); break;
        case 9: {
            LEN(s, n);
            if (!obj_key(c, &o, s, s + n, 0, &key, &av)) return 0;
            int k = slot_of(&key);
            if (k >= 0 && !typed(&slots[k], k, &av)) return 0;
            if (!(k >= 0 && held(k, &av)) && !obj_put(c, attrs, &o, &key, &av, 0)) return 0;
            break;
        }
        case 10: case 12: case 14: VARINT(v); break;
        case 11:
            LEN(s, n);
            if (!(put1(c, events, n_events++ ? ',' : '[') && do_event(c, events, s, s + n)))
                return 0;
            break;
        case 13:
            LEN(s, n);
            if (!(put1(c, links, n_links++ ? ',' : '[') && do_link(c, links, s, s + n)))
                return 0;
            break;
        case 15: LEN(status, status_n); if (has_status++) return 0; break; /* merge */
        case 16: FIXED32(); break;
        default: UNKNOWN();
        }
    }
    if (!obj_end(c, attrs, &o)) return 0;

    /* what decode_protobuf rejects, declined */
    if (tid_n != 16 || all_zero(tid, 16) || sid_n != 8 || all_zero(sid, 8)) return 0;
    int root = pid_n == 0 || (pid_n == 8 && all_zero(pid, 8)); /* as `pid == zero_span` */
    if (!root && pid_n != 8) return 0;
    if (start == 0 || stop < start || stop > INT64_MAX) return 0;

    int32_t code = 0;
    P msg = NULL;
    size_t msg_n = 0;
    if (status != NULL) {
        for (p = status, end = status + status_n; p < end;) {
            TAG();
            switch (f) {
            case 2: TEXT(msg, msg_n); break;
            case 3: VARINT(v); code = (int32_t)(uint32_t)v; break;
            default: UNKNOWN();
            }
        }
    }

    if (!(put_hex(c, &col[C_TRACE].data, tid, 16) && str_end(c, &col[C_TRACE], 1)
          && put_hex(c, &col[C_SPAN].data, sid, 8) && str_end(c, &col[C_SPAN], 1)
          && (root || put_hex(c, &col[C_PARENT].data, pid, 8))
          && str_end(c, &col[C_PARENT], !root)
          && str_put(c, &col[C_NAME], name, name_n)
          && put_i32(c, &col[C_KIND], kind, 1)
          && put_i64(c, &col[C_START], (int64_t)start, 1)
          && put_i64(c, &col[C_END], (int64_t)stop, 1)
          && put_i32(c, &col[C_SCODE], code, 1)
          && put(c, &col[C_SMSG].data, msg, msg_n) && str_end(c, &col[C_SMSG], msg_n > 0)
          && put(c, &col[C_SERVICE].data, c->service.p, c->service.n)
          && str_end(c, &col[C_SERVICE], c->has_service)
          && put(c, &col[C_SCOPE].data, c->scope, c->scope_n)
          && str_end(c, &col[C_SCOPE], c->scope != NULL)
          && put(c, &col[C_SCOPE_VERSION].data, c->scope_version, c->scope_version_n)
          && str_end(c, &col[C_SCOPE_VERSION], c->scope_version != NULL)
          && (!c->has_scope_attrs
              || put(c, &col[C_SCOPE_ATTRS].data, c->scope_attrs.p, c->scope_attrs.n))
          && str_end(c, &col[C_SCOPE_ATTRS], c->has_scope_attrs)))
        return 0;
    for (int k = 0; k < N_SLOTS; k++) {
        Col *sc = &col[C_SLOT0 + k];
        Slot *sl = &slots[k];
        int ok;
        switch (COLUMNS[C_SLOT0 + k].type) {
        case 's':
            ok = !sl->set || (sl->is_int ? put_int(c, &sc->data, sl->i)
                                         : put(c, &sc->data, sl->p, sl->n));
            ok = ok && str_end(c, sc, sl->set);
            break;
        case 'l': ok = put_i64(c, sc, sl->set ? sl->i : 0, sl->set); break;
        default: ok = put_bool(c, sc, sl->set && sl->i);
        }
        if (!ok) return 0;
    }
    if (!(str_end(c, &col[C_ATTRS], 1)
          && put(c, &col[C_RESOURCE].data, c->resource.p, c->resource.n)
          && str_end(c, &col[C_RESOURCE], 1)
          && (!n_links || put1(c, links, ']')) && str_end(c, &col[C_LINKS], n_links > 0)
          && (!n_events || put1(c, events, ']')) && str_end(c, &col[C_EVENTS], n_events > 0)
          && put_i64(c, &col[C_RECEIVED], c->received, 1)))
        return 0;
    c->rows++;
    return 1;
}

/* The spans of one ScopeSpans; with count set, only what they copy is added up. */
static int do_scope_spans(Ctx *c, P start, P end, int count)
{
    uint32_t f;
    int wt, has_scope = 0;
    P p = start, s, scope = NULL;
    size_t n, scope_n = 0;
    uint64_t spans = 0;
    while (p < end) {
        TAG();
        switch (f) {
        case 1: LEN(scope, scope_n); if (has_scope++) return 0; break; /* merge */
        case 2: LEN(s, n); spans++; break;
        case 3: TEXT(s, n); break;
        default: UNKNOWN();
        }
    }
    c->scope = NULL;
    c->scope_n = 0;
    c->scope_version = NULL;
    c->scope_version_n = 0;
    c->scope_attrs.n = 0;
    c->has_scope_attrs = 0;
    if (has_scope && !do_scope(c, scope, scope + scope_n)) return 0;
    if (c->scope_n > MAX_SCOPE_NAME && utf8_chars(c->scope, c->scope_n) > MAX_SCOPE_NAME)
        return 0; /* rejected in Python */
    if (c->scope_version_n > MAX_SCOPE_NAME
        && utf8_chars(c->scope_version, c->scope_version_n) > MAX_SCOPE_NAME)
        return 0; /* rejected in Python */
    if (count) { /* each span copies the resource JSON, service.name and its scope */
        uint64_t repeats = c->resource.n + utf8_chars((P)c->service.p, c->service.n)
                           + utf8_chars(c->scope, c->scope_n)
                           + utf8_chars(c->scope_version, c->scope_version_n)
                           + (c->has_scope_attrs ? c->scope_attrs.n : 0);
        if (spans && repeats > (c->max_repeated - c->repeated) / spans) return 0;
        c->repeated += spans * repeats;
        return 1;
    }
    for (p = start; p < end;) {
        TAG();
        if (f == 2) {
            LEN(s, n);
            if (!do_span(c, s, s + n)) return 0;
        } else {
            UNKNOWN();
        }
    }
    return 1;
}

static int do_resource_spans(Ctx *c, P start, P end, int count)
{
    uint32_t f;
    int wt, has_resource = 0;
    P p = start, s, resource = start;
    size_t n, resource_n = 0;
    while (p < end) {
        TAG();
        switch (f) {
        case 1: LEN(resource, resource_n); if (has_resource++) return 0; break; /* merge */
        case 2: LEN(s, n); break;
        case 3: TEXT(s, n); break;
        default: UNKNOWN();
        }
    }
    c->resource.n = 0;
    c->service.n = 0;
    c->has_service = 0;
    if (!do_resource(c, resource, resource + resource_n)) return 0;
    for (p = start; p < end;) {
        TAG();
        if (f == 2) {
            LEN(s, n);
            if (!do_scope_spans(c, s, s + n, count)) return 0;
        } else {
            UNKNOWN();
        }
    }
    return 1;
}

/* Two passes: the first adds up what the spans copy from their resources and
   scopes (declining over c->max_repeated before a row is written), the second
   writes the rows. */
static int do_request(Ctx *c, P start, P end)
{
    uint32_t f;
    int wt;
    P p, s;
    size_t n;
    int32_t zero = 0;
    for (int count = 1; count >= 0; count--) {
        for (p = start; p < end;) {
            TAG();
            if (f == 1) {
                LEN(s, n);
                if (!do_resource_spans(c, s, s + n, count)) return 0;
            } else {
                UNKNOWN();
            }
        }
        if (count) {
            for (int k = 0; k < N_COLS; k++)
                if (COLUMNS[k].type == 's' && !put(c, &c->col[k].offsets, &zero, 4)) return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------ the module */

static void ctx_free(Ctx *c)
{
    for (int k = 0; k < N_COLS; k++) {
        free(c->col[k].data.p);
        free(c->col[k].offsets.p);
        free(c->col[k].valid.p);
    }
    free(c->keys.p);
    free(c->resource.p);
    free(c->scope_attrs.p);
    free(c->service.p);
    free(c);
}

static PyObject *as_bytes(const Buf *b)
{
    return PyBytes_FromStringAndSize(b->n ? b->p : "", (Py_ssize_t)b->n);
}

/* (rows, [(validity | None, offsets | None, data, null_count), ...]) */
static PyObject *result(Ctx *c)
{
    PyObject *columns = PyList_New(N_COLS);
    if (columns == NULL) return NULL;
    for (int k = 0; k < N_COLS; k++) {
        Col *col = &c->col[k];
        PyObject *validity = col->nulls ? as_bytes(&col->valid) : Py_NewRef(Py_None);
        PyObject *offsets =
            COLUMNS[k].type == 's' ? as_bytes(&col->offsets) : Py_NewRef(Py_None);
        PyObject *data = as_bytes(&col->data);
        PyObject *item = NULL;
        if (validity && offsets && data)
            item = Py_BuildValue("(OOOL)", validity, offsets, data, (long long)col->nulls);
        Py_XDECREF(validity);
        Py_XDECREF(offsets);
        Py_XDECREF(data);
        if (item == NULL) {
            Py_DECREF(columns);
            return NULL;
        }
        PyList_SET_ITEM(columns, k, item);
    }
    PyObject *out = Py_BuildValue("(LN)", (long long)c->rows, columns);
    return out;
}

static PyObject *decode(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs < 2 || nargs > 3 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError,
                        "decode(body: bytes, received_ns: int, max_repeated: int = ...)");
        return NULL;
    }
    long long received = PyLong_AsLongLong(args[1]);
    if (received == -1 && PyErr_Occurred()) return NULL;
    unsigned long long max_repeated = MAX_REPEATED_BYTES;
    if (nargs == 3) {
        max_repeated = PyLong_AsUnsignedLongLong(args[2]);
        if (max_repeated == (unsigned long long)-1 && PyErr_Occurred()) return NULL;
    }
    Ctx *c = calloc(1, sizeof *c);
    if (c == NULL) Py_RETURN_NONE; /* out of memory: decline, never MemoryError */
    c->received = received;
    c->max_repeated = max_repeated;
    P body = (P)PyBytes_AS_STRING(args[0]); /* immutable, and args[0] is held */
    Py_ssize_t len = PyBytes_GET_SIZE(args[0]);
    c->ts = PyEval_SaveThread();
    int ok = do_request(c, body, body + len);
    PyEval_RestoreThread(c->ts);
    /* a failed allocation declines like anything else (the Python path decides) */
    PyObject *out = ok ? result(c) : Py_NewRef(Py_None);
    ctx_free(c);
    if (out == NULL && PyErr_ExceptionMatches(PyExc_MemoryError)) {
        PyErr_Clear();
        out = Py_NewRef(Py_None);
    }
    return out;
}

static PyObject *constants(void)
{
    PyObject *columns = PyTuple_New(N_COLS), *special = PyTuple_New(N_SLOTS);
    Py_ssize_t n_wire = (Py_ssize_t)(sizeof WIRE / sizeof WIRE[0]);
    PyObject *wire = PyTuple_New(n_wire);
    PyObject *out = NULL;
    if (columns == NULL || special == NULL || wire == NULL) goto done;
    for (int k = 0; k < N_COLS; k++) {
        char t = COLUMNS[k].type;
        const char *type = t == 's' ? "string" : t == 'i' ? "int32" : t == 'l' ? "int64" : "bool";
        PyObject *item = Py_BuildValue("(ss)", COLUMNS[k].name, type);
        if (item == NULL) goto done;
        PyTuple_SET_ITEM(columns, k, item);
    }
    for (int k = 0; k < N_SLOTS; k++) {
        PyObject *item = PyUnicode_FromString(SPECIAL[k].key);
        if (item == NULL) goto done;
        PyTuple_SET_ITEM(special, k, item);
    }
    for (Py_ssize_t k = 0; k < n_wire; k++) {
        PyObject *item = Py_BuildValue("(sisiOs)", WIRE[k].msg, WIRE[k].number, WIRE[k].name,
                                       WIRE[k].type, WIRE[k].repeated ? Py_True : Py_False,
                                       WIRE[k].oneof);
        if (item == NULL) goto done;
        PyTuple_SET_ITEM(wire, k, item);
    }
    out = Py_BuildValue("(OOO)", columns, special, wire);
done:
    Py_XDECREF(columns);
    Py_XDECREF(special);
    Py_XDECREF(wire);
    return out;
}

static int exec_module(PyObject *module)
{
#if PY_BIG_ENDIAN
    PyErr_SetString(PyExc_ImportError, "collector.otlp._native writes little-endian Arrow buffers");
    return -1;
#endif
    for (int ch = 0; ch < 256; ch++) ESCAPE[ch] = ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x7F;
    PyObject *t = constants();
    if (t == NULL) return -1;
    int rc = PyModule_AddObjectRef(module, "COLUMNS", PyTuple_GET_ITEM(t, 0)) < 0
             || PyModule_AddObjectRef(module, "SPECIAL", PyTuple_GET_ITEM(t, 1)) < 0
             || PyModule_AddObjectRef(module, "WIRE", PyTuple_GET_ITEM(t, 2)) < 0
             || PyModule_AddIntConstant(module, "MAX_RESOURCE_JSON", MAX_RESOURCE_JSON) < 0
             || PyModule_AddIntConstant(module, "MAX_SCOPE_NAME", MAX_SCOPE_NAME) < 0
             || PyModule_AddIntConstant(module, "MAX_REPEATED_BYTES", MAX_REPEATED_BYTES) < 0
             || PyModule_AddIntConstant(module, "ROW_FORMAT", ROW_FORMAT) < 0;
    Py_DECREF(t);
    return rc ? -1 : 0;
}

static PyMethodDef METHODS[] = {
    {"decode", (PyCFunction)(void (*)(void))decode, METH_FASTCALL,
     "decode(body: bytes, received_ns: int, max_repeated: int = MAX_REPEATED_BYTES)\n"
     "    -> (rows, columns) | None\n\n"
     "The span columns of an OTLP ExportTraceServiceRequest as Arrow buffers,\n"
     "or None when the body is outside what this decoder handles (max_repeated:\n"
     "characters of resource JSON, service.name and scope name the spans may copy)."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot SLOTS[] = {{Py_mod_exec, exec_module}, {0, NULL}};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "collector.otlp._native",
    "Native decoder of OTLP protobuf span bodies into Arrow buffers (see native.py).", 0,
    METHODS, SLOTS, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void) { return PyModuleDef_Init(&MODULE); }
