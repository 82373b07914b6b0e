import type { ArtifactLocations } from '../artifacts/index.js';
import type { Database } from '../store/index.js';
import { listAudit } from './audit-log.js';
import type { LineageService } from './lineage-service.js';
import { renderModelCard, type CardInput } from './model-card.js';
import { MANIFEST_FILE, parseManifest, signatureFromMlflow } from './package/index.js';
import { modelRow } from './registry-rows.js';
import type { VersionsService } from './versions-service.js';

/** Reports and manifests larger than this are linked, not inlined (a card is for reading). */
const MAX_INLINE_BYTES = 256 * 1024;

/** Gathers what a model card shows and renders it. */
export class CardService {
  constructor(
    private readonly db: Database,
    private readonly versions: VersionsService,
    private readonly lineage: LineageService,
    private readonly locations: ArtifactLocations,
  ) {}

  async card(name: string, version: string): Promise<string> {
    const lineage = await this.lineage.forVersion(name, version);
    const { storage, files } = await this.versions.files(name, version);
    const m = await modelRow(this.db, name);
    const input: CardInput = { lineage, files, history: (await listAudit(this.db, m.id, { version: Number(lineage.model_version.version), maxResults: 10_000 })).entries };
    if (files.some((f) => f.path === MANIFEST_FILE)) {
      const text = await this.readText(storage, MANIFEST_FILE);
      if (text !== undefined) {
        try {
          const { doc, trainyard } = parseManifest(text);
          input.manifest = {
            flavors: Object.keys((doc.flavors as object | undefined) ?? {}),
            signature: signatureFromMlflow(doc.signature),
            ...(trainyard?.environment ? { environment: trainyard.environment } : {}),
          };
        } catch {
          // A manifest we cannot read leaves the Model section out; the card still renders.
        }
      }
    }
    const report = await this.db.one<{ report_uri: string }>(
      `SELECT report_uri FROM promotion_requests WHERE model = ? AND version = ? AND report_uri IS NOT NULL
       ORDER BY CASE status WHEN 'APPROVED' THEN 0 ELSE 1 END, created_at DESC LIMIT 1`,
      [m.id, Number(lineage.model_version.version)],
    );
    if (report) {
      const uri = report.report_uri;
      const kind = /\.json$/i.test(uri) ? 'json' : /\.(md|markdown|txt)$/i.test(uri) ? 'markdown' : 'other';
      input.report = { uri, kind, ...(kind !== 'other' ? { text: await this.readText(uri, '') } : {}) };
    }
    return renderModelCard(input);
  }

  /** A small text artifact, or undefined when it is gone or too large to inline. */
  private async readText(uri: string, rel: string): Promise<string | undefined> {
    try {
      const { store, path } = this.locations.resolve(uri, rel);
      const file = await store.get(path);
      if (file.size > MAX_INLINE_BYTES) {
        file.stream.destroy();
        return undefined;
      }
      const chunks: Buffer[] = [];
      for await (const c of file.stream) chunks.push(Buffer.from(c as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
