import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StarRating } from './StarRating';

describe('StarRating', () => {
  it('is a labelled group of five labelled radios showing the value', () => {
    render(<StarRating value={3} label="Rate Fargo" onChange={() => {}} />);
    expect(screen.getByRole('group', { name: 'Rate Fargo' })).toBeTruthy();
    const radios = screen.getAllByRole('radio');
    expect(radios.map((r) => r.getAttribute('aria-label'))).toEqual(['1 star', '2 stars', '3 stars', '4 stars', '5 stars']);
    expect((screen.getByLabelText('3 stars') as HTMLInputElement).checked).toBe(true);
  });

  it('reports a click and arrow keys', async () => {
    const onChange = vi.fn();
    const user = userEvent.setup();
    render(<StarRating label="Rate Fargo" onChange={onChange} />);
    await user.click(screen.getByLabelText('4 stars'));
    expect(onChange).toHaveBeenLastCalledWith(4);
    await user.keyboard('{ArrowRight}');
    expect(onChange).toHaveBeenLastCalledWith(5);
  });

  it('does nothing while disabled', async () => {
    const onChange = vi.fn();
    const user = userEvent.setup();
    render(<StarRating label="Rate Fargo" onChange={onChange} disabled />);
    await user.click(screen.getByLabelText('2 stars'));
    expect(onChange).not.toHaveBeenCalled();
  });

  it('re-sends the chosen star, or clears it when onClear is given', async () => {
    const onChange = vi.fn();
    const onClear = vi.fn();
    const user = userEvent.setup();
    const { rerender } = render(<StarRating value={3} label="Rate Fargo" onChange={onChange} />);
    await user.click(screen.getByLabelText('3 stars'));
    expect(onChange).toHaveBeenLastCalledWith(3);
    rerender(<StarRating value={3} label="Rate Fargo" onChange={onChange} onClear={onClear} />);
    onChange.mockClear();
    await user.click(screen.getByLabelText('3 stars'));
    expect(onClear).toHaveBeenCalledTimes(1);
    expect(onChange).not.toHaveBeenCalled();
  });
});
