using CollabEditor.WebApp.Customers;
using CollabEditor.WebApp.Orders;
using CollabEditor.WebApp.Products;

namespace CollabEditor.WebApp.Editing;

/// <summary>The record kinds the editor shell edits and the list shell lists.</summary>
public static class EditingServiceCollectionExtensions
{
    /// <summary>One kind instance per open editor: a kind may remember what it loaded (an order's number).</summary>
    public static IServiceCollection AddCollabEditors(this IServiceCollection services)
    {
        services.AddTransient<ProductEditor>();
        services.AddTransient<OrderEditor>();
        services.AddTransient<CustomerEditor>();
        // Stateless: one per circuit.
        services.AddScoped<ProductListKind>();
        services.AddScoped<OrderListKind>();
        services.AddScoped<CustomerListKind>();
        return services;
    }
}
