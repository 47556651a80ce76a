import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import protoText from '../../proto/nacos_grpc_service.proto' with { type: 'text' };

/** The Nacos envelope as decoded by proto-loader (`keepCase`, bytes as Buffer). */
export interface WirePayload {
  metadata?: { type?: string; clientIp?: string; headers?: Record<string, string> } | null;
  body?: { type_url?: string; value?: Uint8Array | null } | null;
}

export interface NacosServices {
  request: ServiceDefinition;
  biRequestStream: ServiceDefinition;
}

let cached: NacosServices | undefined;

/**
 * Loads the embedded `proto/nacos_grpc_service.proto`. The text is bundled into the binary, so it
 * is written to a temp file for proto-loader (which only reads paths); `google/protobuf/any.proto`
 * comes from protobufjs's built-in well-known types.
 */
export function nacosServices(): NacosServices {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'batata-proto-'));
  try {
    const file = join(dir, 'nacos_grpc_service.proto');
    writeFileSync(file, protoText);
    const pkg = loadSync(file, { keepCase: true, longs: String, enums: String, defaults: false });
    cached = {
      request: pkg.Request as ServiceDefinition,
      biRequestStream: pkg.BiRequestStream as ServiceDefinition,
    };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
