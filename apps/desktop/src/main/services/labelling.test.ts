// Labels from a file, as the Label screen's labels-file field reads them.
import { describe, expect, it } from 'vitest';
import { splitLabels } from '../../renderer/screens/label.js';
import { parseLabelsFile } from './labelling.js';

describe('parseLabelsFile', () => {
  it('takes one trimmed label a line, skipping blanks, # comments and repeats', () => {
    expect(parseLabelsFile('# pets\r\ncat\n  dog  \n\ncat\nbird\n# end')).toEqual(['cat', 'dog', 'bird']);
    expect(parseLabelsFile('')).toEqual([]);
  });
});

describe('splitLabels (typed labels)', () => {
  it('splits on commas and newlines, trims, drops blanks and repeats', () => {
    expect(splitLabels('cat, dog,,\nbird , cat')).toEqual(['cat', 'dog', 'bird']);
  });
});
