using Enaction.Evaluation;

namespace Enaction.Tests.Evaluation;

public class LogisticRegressionTests
{
    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    [Fact]
    public void Two_symmetric_points_solve_the_penalised_score_equation()
    {
        // x = -1 (negative), +1 (positive) standardise to z = -1, +1. By symmetry the bias is 0, and the gradient
        // -σ(-w) + (σ(w) - 1) + λw = 0 with λ = 1 gives w = 2σ(-w) (w ≈ 0.6748).
        var model = LogisticRegression.Fit([[-1.0], [1.0]], [false, true], new LogisticRegression.Options(L2: 1, BalanceClasses: false));
        Assert.Equal(0, model.Bias, 9);
        var w = model.Weights[0];
        Assert.Equal(2 * Sigmoid(-w), w, 9);
        Assert.Equal(0.6748, w, 3);
    }

    [Fact]
    public void Recovers_the_coefficients_that_generated_the_labels()
    {
        // log-odds = 1.5 x - 0.5 with x uniform on [-3, 3]; labels drawn with a fixed seed.
        var random = new Random(42);
        var x = new List<double[]>();
        var y = new List<bool>();
        for (var i = 0; i < 20000; i++)
        {
            var v = -3 + 6 * random.NextDouble();
            x.Add([v]);
            y.Add(random.NextDouble() < Sigmoid(1.5 * v - 0.5));
        }
        var model = LogisticRegression.Fit(x, y, new LogisticRegression.Options(L2: 0, BalanceClasses: false));
        // Sampling noise: within about 0.1 of the truth; and at the fit the score equations hold exactly.
        Assert.InRange(model.LogOdds([0.0]), -0.6, -0.4);
        Assert.InRange(model.Weights[0] / model.Scales[0], 1.35, 1.65);
        double g0 = 0, g1 = 0;
        for (var i = 0; i < x.Count; i++)
        {
            var r = model.Probability(x[i]) - (y[i] ? 1 : 0);
            g0 += r;
            g1 += r * x[i][0];
        }
        Assert.Equal(0, g0, 6);
        Assert.Equal(0, g1, 6);
    }

    [Fact]
    public void Fitting_is_deterministic_and_penalised_weights_stay_finite_on_separable_data()
    {
        double[][] x = [[0, 5], [1, 4], [2, 6], [10, 5], [11, 4], [12, 6]];
        bool[] y = [false, false, false, true, true, true];
        var a = LogisticRegression.Fit(x, y);
        var b = LogisticRegression.Fit(x, y);
        Assert.Equal(a.Weights.ToArray(), b.Weights.ToArray());
        Assert.Equal(a.Bias, b.Bias);
        Assert.All(a.Weights, w => Assert.True(double.IsFinite(w)));
        Assert.True(a.Weights[0] > 0);
        Assert.True(a.LogOdds([11.0, 5.0]) > 0);
        Assert.True(a.LogOdds([1.0, 5.0]) < 0);
    }

    [Fact]
    public void Missing_values_count_as_the_mean_and_constant_features_get_unit_scale()
    {
        double[][] x = [[0, 1], [1, 1], [double.NaN, 1], [3, 1], [4, 1]];
        bool[] y = [false, false, true, true, true];
        var model = LogisticRegression.Fit(x, y);
        Assert.Equal(2.0, model.Means[0], 12);
        Assert.Equal(1.0, model.Scales[1]);
        Assert.Equal(model.Bias, model.LogOdds([double.NaN, 1.0]), 12);
    }

    [Fact]
    public void Bad_input_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit([[1.0], [2.0]], [true, true]));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit([[1.0], [2.0, 3.0]], [true, false]));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit([[1.0]], [true, false]));
    }
}
