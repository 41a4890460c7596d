using CollabEditor.Core.Products;

namespace CollabEditor.Core.Tests;

public sealed class ProductRulesTests
{
    private static readonly ProductValues Valid = new("OAK-DES-001", "Oak desk", "", 100m, 10, false);

    [Fact]
    public void Validate_AcceptsAValidProduct() => Assert.Empty(ProductRules.Validate(Valid));

    [Theory]
    [InlineData("", "Sku", "SKU is required.")]
    [InlineData("has space", "Sku", "SKU may contain only letters, digits and dashes.")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "Sku", "SKU must be at most 32 characters.")]
    public void Validate_RejectsBadSku(string sku, string field, string message) =>
        Assert.Equal(new[] { (field, message) }, ProductRules.Validate(Valid with { Sku = sku }).Select(e => (e.Field, e.Message)));

    [Fact]
    public void Validate_RejectsMissingAndOverlongName()
    {
        Assert.Contains(ProductRules.Validate(Valid with { Name = "   " }), e => e.Field == "Name" && e.Message == "Name is required.");
        Assert.Contains(ProductRules.Validate(Valid with { Name = new string('x', 201) }), e => e.Field == "Name" && e.Message.Contains("at most 200", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("-0.01", "Price must be 0 or more.")]
    [InlineData("1.005", "Price must have at most two decimals.")]
    [InlineData("1000000000.01", "Price must be at most 1,000,000,000.")]
    public void Validate_RejectsBadPrice(string price, string message) =>
        Assert.Contains(ProductRules.Validate(Valid with { Price = decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture) }), e => e.Field == "Price" && e.Message == message);

    [Fact]
    public void Validate_AcceptsZeroPriceAndStock() => Assert.Empty(ProductRules.Validate(Valid with { Price = 0m, Stock = 0 }));

    [Fact]
    public void Validate_RejectsNegativeStock() =>
        Assert.Contains(ProductRules.Validate(Valid with { Stock = -1 }), e => e.Field == "Stock" && e.Message == "Stock must be 0 or more.");

    [Fact]
    public void Validate_ReportsEveryBrokenRuleAtOnce() =>
        Assert.Equal(["Sku", "Name", "Price", "Stock"], ProductRules.Validate(new ProductValues("", "", "", -1m, -1, false)).Select(e => e.Field));

    [Fact]
    public void Normalized_TrimsAndUppercasesSku() =>
        Assert.Equal(Valid with { Sku = "OAK-1", Name = "Desk" }, (Valid with { Sku = " oak-1 ", Name = " Desk " }).Normalized());
}
