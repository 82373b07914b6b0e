import { describe, expect, it } from 'vitest';
import { createStudy } from '../create-study.js';
import { getParamImportances } from './param-importances.js';
import { studyWithNoise } from './importance.test-helpers.js';

describe('PED-ANOVA importance', () => {
  it('scores the parameters that drive the objective high and an irrelevant one near 0', async () => {
    const study = await studyWithNoise(300);
    const imp = await getParamImportances(study);
    const names = Object.keys(imp);
    expect(names[2]).toBe('noise');
    expect(Object.values(imp).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(imp.x!).toBeGreaterThan(0.3);
    expect(imp.y!).toBeGreaterThan(0.3);
    expect(imp.noise!).toBeLessThan(0.05);
  });

  it('needs a target for multi-objective studies and names unknown params', async () => {
    const mo = await createStudy({ directions: ['minimize', 'minimize'], seed: 1 });
    await expect(getParamImportances(mo)).rejects.toThrow(/target/);
    const study = await createStudy({ seed: 1 });
    await study.optimize((t) => t.suggestFloat('x', 0, 1) + t.suggestFloat('y', 0, 1), { nTrials: 20 });
    await expect(getParamImportances(study, { params: ['zz'] })).rejects.toThrow(/'zz'/);
  });
});
