import { BACKEND_NAMES } from '@vlp/tensor-core';
import { describe, expect, it } from 'vitest';

describe('backend names', () => {
  it('lists the cpu fallback last', () => {
    expect(BACKEND_NAMES[BACKEND_NAMES.length - 1]).toBe('cpu');
  });
});
