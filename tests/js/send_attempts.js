// The OpenTelemetry JavaScript SDK exports, one span at a time as a service
// would, a producer span and two attempts to deliver its event to the ERP
// (consumer spans linked to the producer; the first times out): the same
// spans as tests/collector/otlp_sdk.py sends from Python.
//
//   node send_attempts.js grpc|http ENDPOINT EVENT_ID SKU [TOKEN]
//
// grpc: ENDPOINT is http://host:port, gzip-compressed; http: the
// /v1/traces URL, OTLP/HTTP protobuf.  Exits 0 once every export succeeded.
'use strict';

const { SpanKind, SpanStatusCode, context, trace } = require('@opentelemetry/api');
const { Metadata } = require('@grpc/grpc-js');
const { OTLPTraceExporter: GrpcExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { OTLPTraceExporter: HttpExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');

const [protocol, endpoint, eventId, sku, token] = process.argv.slice(2);
const T0 = 1795162502; // 2026-11-20T08:15:02Z, tests/collector/wire.py's T0
const at = (seconds, nanos = 0) => [T0 + seconds, nanos];

function exporter() {
  if (protocol === 'grpc') {
    const metadata = new Metadata();
    if (token) metadata.set('authorization', `Bearer ${token}`);
    return new GrpcExporter({ url: endpoint, metadata, compression: 'gzip', timeoutMillis: 10000 });
  }
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  return new HttpExporter({ url: endpoint, headers, timeoutMillis: 10000 });
}

async function main() {
  const failures = [];
  const inner = exporter();
  const counting = {
    export(spans, done) {
      inner.export(spans, (result) => {
        if (result.code !== 0) failures.push(String(result.error));
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush(),
  };
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'middleware' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: counting })],
  });
  const tracer = provider.getTracer('sync.worker', '1.4.2');
  const common = {
    'inventory.event_id': eventId,
    'inventory.event_source': 'wms/dc-west',
    'inventory.sku': sku,
    'inventory.location': 'DC-WEST/R-12-04',
    'messaging.system': 'rabbitmq',
    'messaging.destination.name': 'inventory',
  };
  const producer = tracer.startSpan(
    'publish inventory',
    {
      kind: SpanKind.PRODUCER,
      startTime: at(0),
      attributes: { ...common, 'messaging.message.id': eventId },
    },
    context.active()
  );
  producer.end(at(0, 100000000));
  const links = [{ context: producer.spanContext(), attributes: { 'messaging.message.id': eventId } }];
  const root = trace.deleteSpan(context.active()); // each attempt its own trace
  const first = tracer.startSpan(
    'deliver erp',
    {
      kind: SpanKind.CONSUMER,
      startTime: at(2),
      links,
      attributes: { ...common, 'sync.target': 'erp', 'sync.attempt': 1, 'error.type': 'timeout' },
    },
    root
  );
  first.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
  first.end(at(5));
  const retry = tracer.startSpan(
    'deliver erp',
    {
      kind: SpanKind.CONSUMER,
      startTime: at(10),
      links,
      attributes: {
        ...common,
        'sync.target': 'erp',
        'sync.attempt': 2,
        'http.response.status_code': 200,
      },
    },
    root
  );
  retry.end(at(12, 500000000));
  await provider.forceFlush();
  await provider.shutdown();
  if (failures.length) {
    console.error(`export failed: ${failures.join('; ')}`);
    process.exit(1);
  }
  console.log('exported 3 spans');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
