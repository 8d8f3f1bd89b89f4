"""Exercise 39 — one training step of a GAN with tf.GradientTape (reference solution)."""

import tensorflow as tf


def softplus(x):
    """log(1 + e^x), stable at any x (tf.math.softplus is the same)."""
    return tf.maximum(x, 0.0) + tf.math.log1p(tf.exp(-tf.abs(x)))


def gan_train_step(generator, discriminator, g_opt, d_opt, real, noise_dim):
    """One step for D, then one for G; returns (d_loss, g_loss) as 0-d tensors."""
    real = tf.convert_to_tensor(real, dtype=tf.float32)
    batch = tf.shape(real)[0]

    noise = tf.random.normal((batch, noise_dim))
    with tf.GradientTape() as tape:
        fake = generator(noise, training=True)
        real_logits = discriminator(real, training=True)
        fake_logits = discriminator(fake, training=True)
        d_loss = tf.reduce_mean(softplus(-real_logits)) + tf.reduce_mean(softplus(fake_logits))
    d_grads = tape.gradient(d_loss, discriminator.trainable_variables)
    d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))

    noise = tf.random.normal((batch, noise_dim))
    with tf.GradientTape() as tape:
        fake_logits = discriminator(generator(noise, training=True), training=True)
        g_loss = tf.reduce_mean(softplus(-fake_logits))  # non-saturating: −log σ(D(G(z)))
    g_grads = tape.gradient(g_loss, generator.trainable_variables)
    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
    return d_loss, g_loss
