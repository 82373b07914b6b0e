import { NotFound } from '../core/errors.js';
import type { Database } from '../store/index.js';
import type { ModelVersion } from './entities.js';
import type { EventSink } from './events.js';
import type { PolicyService } from './policy-service.js';
import { loadVersions } from './registry-loader.js';
import { modelRow, versionRow } from './registry-rows.js';
import { moveAlias, removeAlias } from './transitions.js';
import { parseVersion, validateAlias } from './validation.js';
import type { VersionsService } from './versions-service.js';

/** Aliases (reference §3.3): one alias names one version; moving it is one statement. */
export class AliasesService {
  constructor(
    private readonly db: Database,
    private readonly events: EventSink,
    private readonly versions: VersionsService,
    private readonly policy: PolicyService,
  ) {}

  /** MLflow's set-alias: a direct move, subject to the model's promotion policy. */
  async set(name: string, alias: string, version: string, actor?: string): Promise<void> {
    validateAlias(alias);
    const n = parseVersion(version);
    const m = await modelRow(this.db, name);
    const v = await versionRow(this.db, m, n);
    const gates = await this.policy.checkDirect(m, v, `@${alias}`);
    await this.db.transaction(async (tx) => {
      const lm = await modelRow(tx, name, true);
      await versionRow(tx, lm, n);
      await moveAlias(tx, this.events, lm, alias, n, { actor, ...(gates.length ? { details: { gates } } : {}) });
    });
    this.events.wake();
  }

  /** Removing an alias that is not there is a 404, like a missing tag. */
  async delete(name: string, alias: string, actor?: string): Promise<void> {
    validateAlias(alias);
    await this.db.transaction(async (tx) => {
      const m = await modelRow(tx, name, true);
      const a = await tx.one<{ version: number }>('SELECT version FROM model_aliases WHERE model = ? AND alias = ?', [m.id, alias]);
      if (!a) throw new NotFound(`Registered model alias ${alias} not found on model '${name}'.`);
      await removeAlias(tx, this.events, m, alias, Number(a.version), { actor });
    });
    this.events.wake();
  }

  /** The version an alias names; an unknown alias is a 404 (MLflow: 400, reference §7 #6). */
  async get(name: string, alias: string): Promise<ModelVersion> {
    const { v } = await this.versions.resolveRef(name, `@${alias}`);
    return (await loadVersions(this.db, [v]))[0]!;
  }
}
