// The plotly.js the page loads: plotly's core (scatter, cartesian axes, shapes, legend) with the two other trace
// types the plots draw, bar and heatmap. Issue 10 item 3: the cartesian dist bundle also evaluated box, violin,
// contour, histogram*, image, pie, ternary and world calendars, none of them used; its evaluation was one
// 190–370 ms main-thread task (docs/vite-ort.md "plotly and the main thread" has the measurements).
import Plotly from 'plotly.js/lib/core';
import bar from 'plotly.js/lib/bar';
import heatmap from 'plotly.js/lib/heatmap';

Plotly.register([bar, heatmap]);

export default Plotly;
