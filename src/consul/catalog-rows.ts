import type { WriteContext } from '../state';
import type { CatalogRow, CatalogRowKey, ConsulBatch } from './consul-model';
import type { ConsulTx, TxParticipant } from './consul-tx';

/** A catalog row to store; `createIndex` defaults to the write's index (a new row). */
export type CatalogRowDraft = Omit<CatalogRow, 'createIndex' | 'modifyIndex'> & { createIndex?: number };

/**
 * Catalog rows written outside a CatalogTx (the row of a catalog service an agent registration
 * replaced) on a ConsulTx: stored in its storage commit with its index as ModifyIndex, with an
 * optional state change staged on the same write. Deletes of rows that are not stored are dropped.
 */
export class CatalogRows implements TxParticipant {
  readonly dirty = true;

  constructor(
    private readonly tx: ConsulTx,
    private readonly put: CatalogRowDraft[],
    private readonly del: CatalogRowKey[],
    private readonly apply?: (w: WriteContext) => void,
  ) {}

  persist(batch: ConsulBatch): void {
    const index = this.tx.w.index;
    (batch.catalogPut ??= []).push(
      ...this.put.map((r) => ({ ...r, createIndex: r.createIndex ?? index, modifyIndex: index })),
    );
    (batch.catalogDelete ??= []).push(...this.del.filter((k) => this.tx.storedRow(k)));
  }

  stage(w: WriteContext): void {
    this.apply?.(w);
  }

  afterApply(): void {}
}
