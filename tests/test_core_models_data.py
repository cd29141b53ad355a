import math

import numpy as np
import pytest

from qtheory.data import Dataset, Population, load_csv, load_sklearn, teacher_population
from qtheory.grid import Grid
from qtheory.losses import Loss
from qtheory.models import Network


def test_forward_batch_matches_single_forward_and_layout():
    rng = np.random.default_rng(0)
    net = Network.mlp([3, 4, 2], "sigmoid", bias=True)
    assert net.n_params == 3 * 4 + 4 + 4 * 2 + 2
    assert net.layout[0].unit_params(1) == [3, 4, 5, 13]  # row 1 of W1, then b1[1]
    betas = rng.standard_normal((5, net.n_params))
    X = rng.standard_normal((7, 3))
    batch = net.forward_batch(betas, X)
    assert batch.shape == (5, 7, 2)
    for m in range(5):
        assert np.allclose(batch[m], net.forward(betas[m], X))
    # hand check of the parameter order on a linear model: W (1 x 2) row-major then the bias
    lin = Network.linear(2, 1, bias=True)
    assert lin.forward(np.array([1.0, -2.0, 0.5]), np.array([[3.0, 1.0]]))[0, 0] == pytest.approx(3 - 2 + 0.5)


def test_forward_shape_errors():
    net = Network.linear(2)
    with pytest.raises(ValueError, match=r"betas must have shape \(m, 2\)"):
        net.forward_batch(np.zeros((1, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        net.forward(np.zeros(2), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="model.activation == 'gelu'"):
        Network.mlp([2, 2, 1], "gelu")
    with pytest.raises(ValueError, match="needs at least one hidden layer"):
        Network.mlp([2, 1])


def test_losses_by_hand():
    f = np.array([[2.0], [0.0], [-0.5]])
    y = np.array([1.0, 1.0, 1.0])
    assert np.allclose(Loss("squared", 0.5).per_sample(f, y), [0.5, 0.5, 0.5])  # (1, 1, 2.25) clipped at 0.5
    assert np.allclose(Loss("hinge", 1.2).per_sample(f, y), [0.0, 1.0, 1.2])
    assert np.allclose(Loss("logistic", 10).per_sample(f, y), [math.log1p(math.exp(-2)), math.log(2), math.log1p(math.exp(0.5))])
    assert np.allclose(Loss("zero_one").per_sample(f, y), [0, 1, 1])  # f = 0 is an error
    # multi-class: 3 classes
    F = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    c = np.array([1, 2])
    assert np.allclose(Loss("zero_one").per_sample(F, c), [0, 1])  # a tie is an error
    assert np.allclose(Loss("hinge", 5).per_sample(F, c), [0.0, 1.0])
    lse = math.log(math.e + math.e**2 + 1)
    assert np.allclose(Loss("logistic", 5).per_sample(F, c), [lse - 2, math.log(3)])
    assert np.allclose(Loss("squared", 9).per_sample(F, c), [1 + 1 + 0, 1.0])


def test_loss_input_errors():
    with pytest.raises(ValueError, match="loss.kind == 'l1'"):
        Loss("l1", 1.0)
    with pytest.raises(ValueError, match="loss.B == -1"):
        Loss("squared", -1)
    with pytest.raises(ValueError, match="zero_one loss, must be 1"):
        Loss("zero_one", 2.0)
    with pytest.raises(ValueError, match=r"labels in \{-1, \+1\}"):
        Loss("hinge", 1.0).check_targets(np.array([0.0, 1.0]), 1)
    with pytest.raises(ValueError, match="class indices 0..2"):
        Loss("hinge", 1.0).check_targets(np.array([0, 3]), 3)


def test_population_risk_is_exact_on_a_hand_computed_population():
    # three support points, weights 1/2, 1/4, 1/4; the linear model f(x) = 0.5 x with squared loss
    pop = Population(np.array([[0.0], [2.0], [-2.0]]), np.array([1.0, 1.0, 0.0]), np.array([0.5, 0.25, 0.25]))
    f = Network.linear(1).forward(np.array([0.5]), pop.X)
    risk = Loss("squared", 100).risk(f, pop.y, pop.weights)
    assert risk == pytest.approx(0.5 * 1 + 0.25 * 0 + 0.25 * 1)


def test_population_sampling_is_seeded_and_iid():
    pop = Population.uniform(np.arange(4.0)[:, None], np.array([0.0, 1.0, 2.0, 3.0]))
    a = pop.sample(1000, 7)
    b = pop.sample(1000, 7)
    assert np.array_equal(a.X, b.X)
    counts = np.bincount(a.X[:, 0].astype(int), minlength=4)
    # each count ~ Binomial(1000, 1/4): mean 250, sd 13.7; 5 sd = 68
    assert np.all(np.abs(counts - 250) < 68)
    with pytest.raises(ValueError, match="weights must sum to 1"):
        Population(np.zeros((2, 1)), np.zeros(2), np.array([0.5, 0.6]))
    with pytest.raises(ValueError, match=r"weights must have shape \(2,\)"):
        Population(np.zeros((2, 1)), np.zeros(2), np.array([1.0]))


def test_teacher_population_labels_follow_the_teacher():
    net = Network.mlp([2, 2, 1], "tanh")
    grids = [Grid.uniform(2, 0.5)] * net.n_params
    pop, codes = teacher_population(net, grids, N=50, loss_kind="hinge", noise=0.0, seed=1)
    beta = np.array([g.values(c) for g, c in zip(grids, codes)])
    f = net.forward(beta, pop.X)[:, 0]
    assert np.array_equal(pop.y, np.where(f >= 0, 1.0, -1.0))
    pop2, codes2 = teacher_population(net, grids, N=50, loss_kind="hinge", noise=0.0, seed=1)
    assert np.array_equal(codes, codes2) and np.array_equal(pop.X, pop2.X)
    sparse_pop, sparse_codes = teacher_population(net, grids, N=5, loss_kind="squared", noise=0.1, seed=2, density=0.0)
    assert np.all(sparse_codes == 0)


def test_sklearn_split_is_seeded_and_standardized_on_train():
    s1 = load_sklearn("breast_cancer", seed=3)
    s2 = load_sklearn("breast_cancer", seed=3)
    assert np.array_equal(s1.train.X, s2.train.X)
    assert set(np.unique(s1.train.y)) == {-1.0, 1.0}
    assert np.allclose(s1.train.X.mean(axis=0), 0, atol=1e-10)
    assert s1.train.n + s1.test.n == 569
    iris = load_sklearn("iris", seed=0, classes=[1, 2], pca=2)
    assert iris.train.d == 2 and set(np.unique(iris.train.y)) == {-1.0, 1.0}
    digits = load_sklearn("digits", seed=0)
    assert set(np.unique(digits.train.y)) == set(range(10))
    with pytest.raises(ValueError, match="data.dataset == 'mnist'"):
        load_sklearn("mnist", seed=0)


def test_csv_loading_and_errors(tmp_path):
    good = tmp_path / "d.csv"
    good.write_text("x1,x2,y\n1,2,1\n3,4,-1\n")
    ds = load_csv(good)
    assert ds.X.tolist() == [[1, 2], [3, 4]] and ds.y.tolist() == [1, -1]
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,y\n1,2,1\n3,abc,-1\n")
    with pytest.raises(ValueError, match=r"line 3: 'abc' is not a number"):
        load_csv(bad)
    ragged = tmp_path / "r.csv"
    ragged.write_text("x1,x2,y\n1,2\n")
    with pytest.raises(ValueError, match="line 2: 2 fields, the header has 3"):
        load_csv(ragged)
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_csv(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="y must be 1-D with one target per row"):
        Dataset(np.zeros((3, 2)), np.zeros(2))
