import { describe, expect, it } from 'vitest';
import { displayTitle, genreColours, wrapTitle } from './poster';

describe('displayTitle', () => {
  it('moves trailing articles to the front', () => {
    expect(displayTitle('Godfather, The')).toBe('The Godfather');
    expect(displayTitle('Usual Suspects, The')).toBe('The Usual Suspects');
    expect(displayTitle("City of Lost Children, The")).toBe('The City of Lost Children');
    expect(displayTitle('Fargo')).toBe('Fargo');
  });
});

describe('wrapTitle', () => {
  it('wraps at spaces within the width', () => {
    expect(wrapTitle('The Shawshank Redemption', 14)).toEqual(['The Shawshank', 'Redemption']);
  });
  it('breaks long words and ends a cut title with an ellipsis', () => {
    const lines = wrapTitle('Supercalifragilisticexpialidocious and many more words to cut here', 10, 3);
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.length <= 10)).toBe(true);
    expect(lines[2].endsWith('…')).toBe(true);
  });
});

describe('genreColours', () => {
  it('uses the first known genre and falls back', () => {
    expect(genreColours(['Nope', 'Comedy'])).toEqual(genreColours(['Comedy']));
    expect(genreColours(null)).toEqual(genreColours(['unknown']));
  });
});
