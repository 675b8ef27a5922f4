"""Network: hidden sizes, layer-wise PCA initialisation, identity decoder."""

import numpy as np
import pytest
import torch

from hashlearn.deep.bdnn.network import (
    BDNNEncoder,
    hidden_sizes,
    identity_decoder,
    pca_initialise,
)


def test_hidden_sizes_table_and_interpolation():
    assert [hidden_sizes(L) for L in (8, 16, 24, 32)] == [(90, 20), (90, 30), (100, 40), (120, 50)]
    assert hidden_sizes(4) == (90, 20)
    assert hidden_sizes(20) == (95, 35)
    n1, n2 = hidden_sizes(64)
    assert n2 > 64 and n1 > n2


def test_pca_init_uses_uncentered_second_moment_layer_by_layer():
    X = torch.rand(200, 6, dtype=torch.float64) + 2.0  # far from zero: mean matters
    net = BDNNEncoder(6, (4, 3), 2).to(torch.float64)
    pca_initialise(net, X, np.random.default_rng(0))
    A = X
    for layer in net.layers:
        _, vectors = np.linalg.eigh((A.T @ A / A.shape[0]).numpy())
        top = vectors[:, ::-1][:, : layer.out_features].T
        W = layer.weight.detach().numpy()
        assert np.allclose(np.abs(W), np.abs(top), atol=1e-8)
        assert np.all(W[np.arange(len(W)), np.abs(W).argmax(1)] > 0)  # sign convention
        assert torch.all(layer.bias == 0)
        A = torch.sigmoid(layer(A)).detach()


def test_pca_init_fills_rows_beyond_the_input_dimension():
    net = BDNNEncoder(3, (5, 2), 2).to(torch.float64)
    pca_initialise(net, torch.rand(50, 3, dtype=torch.float64), np.random.default_rng(0))
    W = net.layers[0].weight.detach()
    assert W.shape == (5, 3) and torch.isfinite(W).all()
    assert torch.allclose(W[:3] @ W[:3].T, torch.eye(3, dtype=torch.float64), atol=1e-10)


@pytest.mark.parametrize("shape", [(5, 3), (2, 4)])
def test_identity_decoder(shape):
    W, c = identity_decoder(*shape, torch.float32)
    assert torch.equal(W, torch.eye(*shape)) and torch.equal(c, torch.zeros(shape[0]))
    assert W.requires_grad and c.requires_grad


def test_code_layer_is_linear():
    torch.manual_seed(0)
    net = BDNNEncoder(4, (3, 3), 2)
    x = torch.rand(5, 4)
    with torch.no_grad():
        hidden = torch.sigmoid(net.layers[1](torch.sigmoid(net.layers[0](x))))
        assert torch.allclose(net(x), net.layers[2](hidden))
        net.layers[2].weight.mul_(50.0)
        net.layers[2].bias.zero_()
        # no squashing after the code layer: scaling its weights scales the codes
        assert torch.allclose(net(x), net.layers[2](hidden)) and net(x).abs().max() > 1.0
