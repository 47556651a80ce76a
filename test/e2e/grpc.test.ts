import { afterAll, expect, test } from 'bun:test';
import { type BinaryServer, spawnBinary } from '../support/binary';
import { NacosGrpcClient } from '../support/grpc-client';

let bin: BinaryServer | undefined;
afterAll(async () => {
  if (bin && bin.proc.exitCode === null) await bin.kill9();
});

test('compiled binary serves the Nacos SDK gRPC port (embedded proto) and resets clients on SIGTERM', async () => {
  bin = await spawnBinary();
  const c = await NacosGrpcClient.connect(`127.0.0.1:${bin.ports.sdk}`);
  expect(c.serverCheck!.body).toMatchObject({
    resultCode: 200,
    success: true,
    supportAbilityNegotiation: true,
  });
  expect(c.setupAck!.type).toBe('SetupAckRequest');
  expect(await c.request('HealthCheckRequest', {})).toEqual({
    type: 'HealthCheckResponse',
    body: { resultCode: 200, errorCode: 0, success: true },
  });
  expect((await c.request('NoSuchRequest', {})).body.errorCode).toBe(302);
  const metrics = await (await fetch(`${bin.nacos}/metrics`)).text();
  expect(metrics).toMatch(/^batata_active_connections 1$/m);
  expect(await bin.stop()).toBe(0);
  expect((await c.waitFor('ConnectResetRequest', 1000)).body.module).toBe('internal');
  c.close();
});
