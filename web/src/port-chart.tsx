/** A live rx/tx bits-per-second chart drawn with uPlot from the switch view's rate history. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';
import { bpsText } from './switch-model.js';

/** Columns as RateHistory.columns gives them: times (s), rx and tx (bits/s, null for a gap). */
export type RateColumns = [number[], (number | null)[], (number | null)[]];

export function PortChart(props: { data: RateColumns; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);

  useEffect(() => {
    const el = box.current!;
    const width = (): number => Math.max(320, el.clientWidth);
    const u = new uPlot(
      {
        width: width(),
        height: 200,
        series: [{}, { label: 'rx', stroke: '#2563eb', width: 2, value: (_u, v) => bpsText(v ?? undefined) }, { label: 'tx', stroke: '#ea580c', width: 2, value: (_u, v) => bpsText(v ?? undefined) }],
        axes: [{}, { size: 80, values: (_u, vals) => vals.map((v) => bpsText(v)) }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1000, max)] } },
        legend: { live: false },
      },
      props.data,
      el,
    );
    plot.current = u;
    const resize = (): void => u.setSize({ width: width(), height: 200 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      u.destroy();
      plot.current = undefined;
    };
  }, []);

  useEffect(() => plot.current?.setData(props.data), [props.data]);

  return (
    <figure class="port-chart" data-points={props.data[0].length}>
      <figcaption>{props.title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
