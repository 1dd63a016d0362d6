/**
 * The look of the renderer: linear-light constants tuned against a real CLEVR image
 * (grey ground darkening with distance, soft shadows towards the front left, matte rubber, reflective metal).
 */
export interface RenderStyle {
  /** Albedo of the grey ground. */
  groundAlbedo: number;
  /**
   * The ground's brightness, an empirical model fitted to a real CLEVR image: environment irradiance plus
   * radial lobes (position, weight) falling off as cos / (1 + (d / groundFalloff)^2). The lamps that light
   * the objects do not enter it; only their shadows do.
   */
  groundAmbient: number;
  groundLobes: { position: [number, number, number]; weight: number }[];
  groundFalloff: number;
  /** Fraction of the ground's light removed in the full shadow of the key lamp. */
  shadowStrength: number;
  /** Object lighting: environment irradiance on surfaces facing up / down, lamp scale, falloff distance. */
  objectAmbientUp: number;
  objectAmbientDown: number;
  objectLightScale: number;
  objectFalloff: number;
  /** Darkening of the ground near objects (0 = none). */
  aoStrength: number;
  /** Radiance of the environment above the horizon, seen in metal reflections (at the horizon and straight up). */
  skyHorizon: number;
  skyZenith: number;
  /** Metal: diffuse fraction, strength and sharpness of lamp highlights. */
  metalDiffuse: number;
  metalSpecular: number;
  metalShininess: number;
  /** Metal: a second, broad highlight lobe (the glow of the large area lamps). */
  metalGloss: number;
  metalGlossShininess: number;
  /** Rubber: strength and sharpness of its faint sheen. */
  rubberSpecular: number;
  rubberShininess: number;
  /** Shadow rays per pixel in the penumbra of the key lamp (0 disables shadows). */
  shadowSamples: number;
  /** Multiplier applied before the sRGB encoding. */
  exposure: number;
}

/**
 * Tuned against CLEVR_val_000013.png: the ground constants fit its ground brightness at 49 points (RMS
 * error about 4 levels of 255); the rest was set by eye.
 */
export const DEFAULT_RENDER_STYLE: RenderStyle = {
  groundAlbedo: 0.5,
  groundAmbient: 0.28,
  groundLobes: [
    { position: [6.4467, -2.9052, 4.2584], weight: 8 },
    { position: [-4.6717, -4.0287, 3.0228], weight: 1.44 },
    { position: [-1.1685, 2.646, 5.8157], weight: 4.2 },
  ],
  groundFalloff: 1,
  shadowStrength: 0.3,
  objectAmbientUp: 0.2,
  objectAmbientDown: 0.03,
  objectLightScale: 1.7,
  objectFalloff: 7,
  aoStrength: 0.6,
  skyHorizon: 0.06,
  skyZenith: 0.02,
  metalDiffuse: 0.15,
  metalSpecular: 25,
  metalShininess: 400,
  metalGloss: 1,
  metalGlossShininess: 20,
  rubberSpecular: 0.06,
  rubberShininess: 10,
  shadowSamples: 16,
  exposure: 1.0,
};
