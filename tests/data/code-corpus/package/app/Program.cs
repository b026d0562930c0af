namespace Orders;

public static class Settings
{
    public const string Db = "Server=tcp:shipping-db.prod.example.com,1433;Database=ledger;User ID=app;Password=n^u0OirqxCgwMhrZ4@sa;Encrypt=True;";
    public const string EncryptionKey = "amQDTs8oqp6dZBssWluTylVok+vyUNdKYO6Opqu/bXg=";
}
