import type { CatalogRowKey, ConsulBatch } from './consul-model';
import type { ConsulTx, TxParticipant } from './consul-tx';

/**
 * Deletes of stored catalog rows outside a CatalogTx (the row of a catalog service an agent
 * registration replaced) on a ConsulTx: part of its storage commit, each leaving a tombstone at
 * its index. Rows that are not stored are skipped.
 */
export class CatalogRowDeletes implements TxParticipant {
  readonly dirty = true;

  constructor(
    private readonly tx: ConsulTx,
    private readonly del: CatalogRowKey[],
  ) {}

  persist(batch: ConsulBatch): void {
    (batch.catalogDelete ??= []).push(...this.del.filter((k) => this.tx.storedRow(k)));
  }

  stage(): void {}

  afterApply(): void {}
}
