import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FilterBar, partOfDay } from '../../../renderer/src/components/filter-bar';
import { renderWith } from '../helpers/render';

const facets = { portals: ['acme.bitrix24.com'], events: ['ONCRMDEALDELETE'], entityTypeIds: [2] };
const local = (y: number, m: number, d: number, h = 0) => new Date(y, m - 1, d, h).getTime();

describe('FilterBar', () => {
  it('says the hours of a range that is not whole days (an hourly bar of the activity view), nothing for whole days', () => {
    expect(partOfDay({ from: local(2026, 11, 26), to: local(2026, 11, 27) })).toBeNull();
    expect(partOfDay({ from: local(2026, 11, 20), to: local(2026, 11, 27) })).toBeNull();
    expect(partOfDay({ from: local(2026, 11, 26) })).toBeNull();
    expect(partOfDay({ from: local(2026, 11, 26, 14), to: local(2026, 11, 26, 15) })).toEqual({ from: '14:00', to: '15:00' });

    const hour = { from: local(2026, 11, 26, 14), to: local(2026, 11, 26, 15) };
    const { rerender } = renderWith(<FilterBar filter={hour} onChange={() => undefined} facets={facets} focusRequest={0} />);
    expect((screen.getByLabelText('From') as HTMLInputElement).value).toBe('2026-11-26');
    expect(screen.getByRole('status').textContent).toBe('only 14:00–15:00');
    rerender(<FilterBar filter={{ from: local(2026, 11, 26), to: local(2026, 11, 27) }} onChange={() => undefined} facets={facets} focusRequest={0} />);
    expect(screen.queryByRole('status')).toBeNull();
  });
});
