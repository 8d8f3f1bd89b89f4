"""Exercise 39 — one training step of a GAN, with tf.GradientTape.

In exercise 38 you wrote the two losses in numpy.  Now train a real GAN: two
networks, two optimizers, and a step that updates each network against the
other.  Let D(x) be the discriminator's LOGIT for a point x (σ(D(x)) is its
probability that x is real) and G(z) the generator's point for noise z.

One step on a batch `real` of N points:

  1. the discriminator's step
        z ~ N(0, 1) of shape (N, noise_dim):   noise = tf.random.normal((N, noise_dim))
        d_loss = mean −log σ(D(real))  +  mean −log(1 − σ(D(G(z))))
               = mean softplus(−D(real)) +  mean softplus(D(G(z)))
        its gradient with respect to discriminator.trainable_variables ONLY,
        applied with d_opt.  (G takes part in the computation but is not updated.)
  2. the generator's step (fresh noise)
        g_loss = mean −log σ(D(G(z)))  = mean softplus(−D(G(z)))      the NON-saturating loss
        its gradient with respect to generator.trainable_variables ONLY,
        applied with g_opt.  (D takes part but is not updated: only G learns here.)
  3. return (d_loss, g_loss), both 0-d tensors: the values computed inside
     the two tapes.

Each step changes only its own network: the checks look at both networks'
weights around each optimizer call.  A tape over both networks, or g_opt
given the discriminator's variables too, would let the generator's step move D
towards being fooled — the opposite of what D is for.

From logits, stably: −log σ(x) = softplus(−x) and −log(1 − σ(x)) = softplus(x),
with tf.math.softplus (or keras.losses.BinaryCrossentropy(from_logits=True)).
Never tf.math.log(tf.sigmoid(x)): in float32, σ(−150) is 0 and its log −inf; the
checks run a discriminator that answers −150.  Not the saturating
mean log(1 − σ(D(G(z)))) either: it is flat exactly where D wins, early on.

    generator       a keras.Model, (N, noise_dim) → (N, 2)     (here: points in the plane)
    discriminator   a keras.Model, (N, 2) → (N, 1) logits
    g_opt, d_opt    two keras optimizers, one per network
    real            a float32 numpy array (N, 2); do not modify it
    noise_dim       the generator's input size

Call the networks with training=True inside the tapes.  Use TensorFlow
operations only (no .numpy(), no float(...)) inside the step: the training check
compiles it with tf.function, as you would for speed, and trains a small GAN on
a ring of 8 Gaussians for 1000 steps (a few seconds).  It must then put at least
2 % of its samples near each of at least 6 of the 8 modes.
"""

import tensorflow as tf


def gan_train_step(generator, discriminator, g_opt, d_opt, real, noise_dim):
    """One step for D, then one for G; returns (d_loss, g_loss) as 0-d tensors."""
    real = tf.convert_to_tensor(real, dtype=tf.float32)
    batch = tf.shape(real)[0]
    # TODO: noise = tf.random.normal((batch, noise_dim)); inside a tf.GradientTape block: fake = generator(noise,
    #       training=True), the logits of D on real and on fake (training=True), and d_loss from them (softplus)
    # TODO: gradients of d_loss for discriminator.trainable_variables; d_opt.apply_gradients(zip(...))
    # TODO: fresh noise; inside a new tape: g_loss = mean softplus(−D(G(noise))) (non-saturating)
    # TODO: gradients of g_loss for generator.trainable_variables ONLY; g_opt.apply_gradients(zip(...))
    # TODO: return d_loss, g_loss
    raise NotImplementedError("gan_train_step")


if __name__ == "__main__":
    # Try it yourself: a GAN on a ring of 8 Gaussians; then `dlx show gan_train` draws its samples.
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    noise_dim = 4
    generator = keras.Sequential([keras.Input((noise_dim,)), keras.layers.Dense(64, activation="relu"),
                                  keras.layers.Dense(64, activation="relu"), keras.layers.Dense(2)])
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(64, activation="relu"),
                                      keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
    g_opt, d_opt = keras.optimizers.Adam(3e-3, beta_1=0.5), keras.optimizers.Adam(3e-3, beta_1=0.5)
    step = tf.function(gan_train_step)
    angles = np.arange(8) * 2 * np.pi / 8
    centres = 2 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    g = np.random.default_rng(0)
    for i in range(1000):
        real = (centres[g.integers(0, 8, 128)] + 0.05 * g.standard_normal((128, 2))).astype(np.float32)
        d_loss, g_loss = step(generator, discriminator, g_opt, d_opt, real, noise_dim)
        if i % 100 == 99:
            print(f"step {i + 1}: d_loss {float(d_loss):.3f}, g_loss {float(g_loss):.3f}")
